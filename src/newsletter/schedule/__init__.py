"""When things happen: reading and writing dates, a series' dates, which events go in which week."""
