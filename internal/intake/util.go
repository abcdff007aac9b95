package intake

import (
	"fmt"

	"switchboard/internal/postgres"
)

func postgresMap(err error) error { return postgres.MapError(err) }

func sprintf(format string, v ...any) string { return fmt.Sprintf(format, v...) }

func sprint(v ...any) string { return fmt.Sprint(v...) }
