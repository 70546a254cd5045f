from newsletter.launch import run

run()
