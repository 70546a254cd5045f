// Reads .ics files with Mozilla's ical.js (the parser Thunderbird uses) and
// prints each event as JSON, so the tests can compare what a second, independent
// calendar parser sees with what icalendar sees.
//   node tests/read_ics.mjs FILE.ics [...]
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const events = [];
for (const path of process.argv.slice(2)) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  for (const zone of calendar.getAllSubcomponents("vtimezone")) {
    ICAL.TimezoneService.register(new ICAL.Timezone(zone));
  }
  for (const component of calendar.getAllSubcomponents("vevent")) {
    const event = new ICAL.Event(component);
    events.push({
      uid: event.uid,
      sequence: event.sequence,
      status: component.getFirstPropertyValue("status"),
      summary: event.summary,
      start: event.startDate.toUnixTime(),
      end: event.endDate.toUnixTime(),
    });
  }
}
console.log(JSON.stringify(events));
