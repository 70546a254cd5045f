// Counts posts the way the services' own apps do, with the JavaScript engine's Intl.Segmenter (Unicode's
// grapheme clusters), independently of newsletter's Python: reads a JSON list of texts on stdin and prints,
// for each, its graphemes (Bluesky) and its graphemes with every link as 23 characters (Mastodon).
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const texts = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });
const count = (text) => [...segmenter.segment(text)].length;
const links = /https?:\/\/\S+/g;
console.log(JSON.stringify(texts.map((text) => ({
  graphemes: count(text),
  mastodon: count(text.replace(links, "x".repeat(23))),
  utf16: text.length,
}))));
