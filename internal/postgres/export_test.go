package postgres

// MigrateFS lets the external tests migrate from a chosen set of files.
var MigrateFS = migrateFS
