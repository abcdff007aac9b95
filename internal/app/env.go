package app

import (
	"io"
	"log/slog"

	"switchboard/internal/config"
)

// Env is what every command gets: the configuration and the process's streams.
type Env struct {
	Config *config.Config
	Getenv func(string) string
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Log    *slog.Logger
}

// NewLogger builds the text logger every command uses.
func NewLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
