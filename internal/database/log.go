package database

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm/logger"
)

// Personal data (names, BSNs, password hashes) travels in statements'
// parameters and comes back in PostgreSQL's error details ("Key (bsn)=(…)
// already exists", "Failing row contains (…)"). No log line may carry either:
// statements are logged with their placeholders only, and errors from the
// server with their code, constraint and message, never their detail.

// GormLogger is the gorm logger Tranche uses: statements at level and
// slower than slow (0: never) are logged to log, without their parameter
// values, and errors without what the server quoted from the data.
func GormLogger(log *slog.Logger, level logger.LogLevel, slow time.Duration) logger.Interface {
	if log == nil {
		return logger.Discard
	}
	return safeGormLogger{logger.NewSlogLogger(slog.New(RedactErrors(log.Handler())), logger.Config{
		SlowThreshold: slow, LogLevel: level, IgnoreRecordNotFoundError: true, ParameterizedQueries: true,
	})}
}

type safeGormLogger struct{ logger.Interface }

func (l safeGormLogger) LogMode(level logger.LogLevel) logger.Interface {
	return safeGormLogger{l.Interface.LogMode(level)}
}

func (l safeGormLogger) Trace(ctx context.Context, begin time.Time, fc func() (string, int64), err error) {
	l.Interface.Trace(ctx, begin, fc, redactedError(err))
}

// ParamsFilter drops every parameter value, whatever the inner logger's
// configuration: gorm then logs the statement with its placeholders.
func (safeGormLogger) ParamsFilter(_ context.Context, sql string, _ ...any) (string, []any) {
	return sql, nil
}

// RedactErrors wraps h so that every error logged through it is written
// without the parts of a PostgreSQL error that can quote data: the detail,
// hint and where, and for data exceptions (class 22, e.g. "invalid input
// syntax for type date: …") the quoted value in the message.
func RedactErrors(h slog.Handler) slog.Handler {
	if _, ok := h.(redactingHandler); ok {
		return h
	}
	return redactingHandler{h}
}

type redactingHandler struct{ slog.Handler }

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return h.Handler.Handle(ctx, out)
}

func (h redactingHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	safe := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		safe[i] = redactAttr(a)
	}
	return redactingHandler{h.Handler.WithAttrs(safe)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name)}
}

func redactAttr(a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindGroup:
		group := a.Value.Group()
		safe := make([]slog.Attr, len(group))
		for i, g := range group {
			safe[i] = redactAttr(g)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(safe...)}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, redactedError(err).Error())
		}
	}
	return a
}

// redactedError is err, with the text of any PostgreSQL error in its chain
// replaced by SafePgErrorText; errors.Is and errors.As still see err.
func redactedError(err error) error {
	var pg *pgconn.PgError
	if err == nil || !errors.As(err, &pg) {
		return err
	}
	return redacted{msg: strings.ReplaceAll(err.Error(), pg.Error(), SafePgErrorText(pg)), err: err}
}

type redacted struct {
	msg string
	err error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.err }

// SafePgErrorText describes a PostgreSQL error by its severity, message,
// code and constraint, never by its detail (which quotes the row).
func SafePgErrorText(pg *pgconn.PgError) string {
	msg := pg.Message
	if strings.HasPrefix(pg.Code, "22") {
		if i := strings.Index(msg, ":"); i >= 0 {
			msg = msg[:i]
		}
	}
	s := pg.Severity + ": " + msg + " (SQLSTATE " + pg.Code
	if pg.ConstraintName != "" {
		s += ", constraint " + pg.ConstraintName
	}
	return s + ")"
}
