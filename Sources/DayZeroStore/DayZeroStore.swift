// DayZeroStore: the study folder (CSV) and the study store (SQLite through GRDB).
//
// - CSV/: a streaming RFC 4180 reader with exact error locations, and the writer.
// - Values/: number and time syntax, hand-written calendar arithmetic.
// - Validation/: the rules of the data format; every problem is collected as
//   `file:line:column: message [rule]` before anything is written.
// - Store/: schema and migrations, the all-or-nothing import, load and export.
// - StoreCommandLine.swift: the work behind `dayzero import` and `dayzero export`.
@_exported import DayZeroCohort
