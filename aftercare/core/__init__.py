"""The pure core: plain data, rules, calendar, dates, IDs and the rules engine. No I/O."""
