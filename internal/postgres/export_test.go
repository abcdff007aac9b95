package postgres

// MigrateFS lets the external tests migrate from a chosen set of files.
var MigrateFS = migrateFS

// RawScanOff turns the list rows' binary fast path off; RawRows counts the
// rows it read.
var RawScanOff, RawRows = &rawScanOff, &rawRows

// ResolvedDays is the Resolved search's day condition, which tests take out
// to compare with the plain query.
var ResolvedDays = resolvedDays
