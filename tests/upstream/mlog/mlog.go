// Package mlog is a small, dependency-free implementation of the part of monis.app/mlog's API
// that Azure Workload Identity v1.6.0 calls: the five levels and their names, Enabled, the global
// level setter, and a logger that writes JSON lines to standard error.
package mlog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync/atomic"
)

// LogLevel names a verbosity; the empty string is the quietest (warnings and errors).
type LogLevel string

// The levels, in order of increasing verbosity.
const (
	LevelWarning LogLevel = ""
	LevelInfo    LogLevel = "info"
	LevelDebug   LogLevel = "debug"
	LevelTrace   LogLevel = "trace"
	LevelAll     LogLevel = "all"
)

// LogFormat is accepted for compatibility; output is always JSON.
type LogFormat string

// The formats the real library knows.
const (
	FormatJSON LogFormat = "json"
	FormatText LogFormat = "text"
	FormatCLI  LogFormat = "cli"
)

// LogSpec is the global configuration.
type LogSpec struct {
	Level  LogLevel  `json:"level,omitempty"`
	Format LogFormat `json:"format,omitempty"`
}

var global atomic.Int32 // the verbosity in force: 0 (warning) to 108 (all)

func verbosity(level LogLevel) int32 {
	switch level {
	case LevelWarning:
		return 0
	case LevelInfo:
		return 2
	case LevelDebug:
		return 4
	case LevelTrace:
		return 6
	case LevelAll:
		return 108
	}
	return -1
}

// Enabled says whether messages at level are written under the global level.
func Enabled(level LogLevel) bool {
	v := verbosity(level)
	return v >= 0 && v <= global.Load()
}

// ValidateAndSetLogLevelAndFormatGlobally sets the global level; an unknown level is an error.
func ValidateAndSetLogLevelAndFormatGlobally(_ context.Context, spec LogSpec) error {
	v := verbosity(spec.Level)
	if v < 0 {
		return errors.New("invalid log level, valid choices are the empty string, info, debug, trace and all")
	}
	switch spec.Format {
	case "", FormatJSON, FormatText, FormatCLI:
	default:
		return errors.New("invalid log format, valid choices are the empty string, json and text")
	}
	global.Store(v)
	return nil
}

// Setup returns the function that flushes the logs (there is nothing to flush).
func Setup() func() { return func() {} }

// Logger writes leveled, structured messages.
type Logger interface {
	Error(msg string, err error, keysAndValues ...interface{})
	Warning(msg string, keysAndValues ...interface{})
	WarningErr(msg string, err error, keysAndValues ...interface{})
	Info(msg string, keysAndValues ...interface{})
	InfoErr(msg string, err error, keysAndValues ...interface{})
	Debug(msg string, keysAndValues ...interface{})
	DebugErr(msg string, err error, keysAndValues ...interface{})
	Trace(msg string, keysAndValues ...interface{})
	TraceErr(msg string, err error, keysAndValues ...interface{})
	All(msg string, keysAndValues ...interface{})
	Always(msg string, keysAndValues ...interface{})
	WithValues(keysAndValues ...interface{}) Logger
	WithName(name string) Logger
}

type logger struct {
	name   string
	values []interface{}
}

// New returns the root logger.
func New() Logger { return logger{} }

func (l logger) write(level LogLevel, always bool, msg string, err error, kv []interface{}) {
	if !always && !Enabled(level) {
		return
	}
	line := map[string]interface{}{"level": string(level), "msg": msg}
	if level == LevelWarning {
		line["level"] = "warning"
	}
	if l.name != "" {
		line["logger"] = l.name
	}
	if err != nil {
		line["error"] = err.Error()
	}
	pairs := append(append([]interface{}{}, l.values...), kv...)
	for i := 0; i+1 < len(pairs); i += 2 {
		line[fmt.Sprint(pairs[i])] = pairs[i+1]
	}
	if b, jerr := json.Marshal(line); jerr == nil {
		fmt.Fprintln(os.Stderr, string(b))
	}
}

func (l logger) Error(msg string, err error, kv ...interface{}) {
	l.write(LevelWarning, true, msg, err, kv)
}
func (l logger) Warning(msg string, kv ...interface{}) { l.write(LevelWarning, false, msg, nil, kv) }
func (l logger) WarningErr(msg string, err error, kv ...interface{}) {
	l.write(LevelWarning, false, msg, err, kv)
}
func (l logger) Info(msg string, kv ...interface{}) { l.write(LevelInfo, false, msg, nil, kv) }
func (l logger) InfoErr(msg string, err error, kv ...interface{}) {
	l.write(LevelInfo, false, msg, err, kv)
}
func (l logger) Debug(msg string, kv ...interface{}) { l.write(LevelDebug, false, msg, nil, kv) }
func (l logger) DebugErr(msg string, err error, kv ...interface{}) {
	l.write(LevelDebug, false, msg, err, kv)
}
func (l logger) Trace(msg string, kv ...interface{}) { l.write(LevelTrace, false, msg, nil, kv) }
func (l logger) TraceErr(msg string, err error, kv ...interface{}) {
	l.write(LevelTrace, false, msg, err, kv)
}
func (l logger) All(msg string, kv ...interface{})    { l.write(LevelAll, false, msg, nil, kv) }
func (l logger) Always(msg string, kv ...interface{}) { l.write(LevelWarning, true, msg, nil, kv) }

func (l logger) WithValues(kv ...interface{}) Logger {
	return logger{name: l.name, values: append(append([]interface{}{}, l.values...), kv...)}
}

func (l logger) WithName(name string) Logger {
	if l.name != "" {
		name = l.name + "." + name
	}
	return logger{name: name, values: l.values}
}

var root = New()

// Info, Error and Fatal log through the root logger.
func Info(msg string, kv ...interface{}) { root.Info(msg, kv...) }

// Error logs an error at every level.
func Error(msg string, err error, kv ...interface{}) { root.Error(msg, err, kv...) }

// Fatal logs err and exits with status 1.
func Fatal(err error, kv ...interface{}) {
	root.Error("unrecoverable error encountered", err, kv...)
	os.Exit(1)
}
