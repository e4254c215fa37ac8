"""The synthetic store generator's parts (tools/synth.py is the entry point).

    office.py   the fictional office: aftercare.yaml, staff, security periods, the one git commit
    people.py   who the persons are and what happens to them (behaviour, never a rule number)
    walk.py     a person's path measure by measure: registration, report-in, incidents, the end
    duties.py   what the engine says is due, done (or missed, explained, made up) by the office
    texts.py    the words of the records
    demo.py     the twelve persons of the shipped demo store

No number of the rules lives here: windows, deadlines, counts and which duties exist come from the
office's rules (aftercare.core.rules: default.yaml and the office's overrides) through the engine.
"""
