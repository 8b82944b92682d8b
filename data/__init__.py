"""The local health log: sessions, symptom ratings and schedules in one SQLite file.

Modules (repository functions take a `db.LogDb`; `store.open_store`
gives one, `store.open_memory` an in-memory one for tests):

- `store`: where the log lives, pragmas (WAL, synchronous=FULL), the start-up sequence
- `files`: private folders/files (0700/0600) and the single-writer lock
- `schema`: sqlite-utils migrations, schema version, refusal of newer files
- `health`: what state a log file is in (read-only): ok, damaged, index damage, newer, ...
- `backup`: verified online backups, rotation, recovery of a damaged, empty or missing file
- `tx`: transactions, and the one translation of SQLite and OS errors to typed
  `errors.StoreError`s with words for the person
- `models`, `times`, `jsonval`: the store's own value types and conventions
- `devices`, `screenings`, `programs`, `sessions`, `telemetry`, `ratings`, `schedules`
- `queries`, `stats`: trends, per-program effect with a t-based 95% CI, adherence
- `export` (CSV), `dump` (JSON backup), `fhir` (FHIR R4 Bundle), `ics` (iCalendar)

This package imports no other part of Thenar: what it stores from them arrives
as plain JSON-able dicts.
"""
