// Expands the recurring events of an .ics file with Mozilla's ical.js (the
// parser Thunderbird uses), its RRULE, EXDATE and RECURRENCE-ID overrides
// applied, and prints each occurrence before a date as JSON:
//   node tests/expand_ics.mjs FILE.ics YYYY-MM-DD
import ICAL from "ical.js";
import { readFileSync } from "node:fs";

const [path, before] = process.argv.slice(2);
const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
for (const zone of calendar.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const components = calendar.getAllSubcomponents("vevent");
const masters = components.filter((c) => !c.hasProperty("recurrence-id")).map((c) => new ICAL.Event(c));
for (const component of components.filter((c) => c.hasProperty("recurrence-id"))) {
  const exception = new ICAL.Event(component);
  const master = masters.find((m) => m.uid === exception.uid && !m.isRecurrenceException());
  if (master) {
    master.relateException(exception);
  } else {
    masters.push(exception); // one date of a series whose rule is not in this file: shown as it is
  }
}
const limit = ICAL.Time.fromDateString(before).toUnixTime();
const occurrences = [];
for (const master of masters) {
  if (master.isRecurrenceException()) {
    occurrences.push({
      uid: master.uid,
      start: master.startDate.toJSDate().toISOString().replace(".000Z", "Z"),
      status: master.component.getFirstPropertyValue("status"),
    });
    continue;
  }
  const iterator = master.iterator();
  for (let next = iterator.next(); next && next.toUnixTime() < limit; next = iterator.next()) {
    const details = master.getOccurrenceDetails(next);
    occurrences.push({
      uid: master.uid,
      start: details.startDate.toJSDate().toISOString().replace(".000Z", "Z"),
      status: details.item.component.getFirstPropertyValue("status"),
    });
  }
}
console.log(JSON.stringify({ occurrences }));
