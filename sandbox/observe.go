package sandbox

import (
	"context"
	"log/slog"
	"time"
)

// observer passes log records on to the next handler and reports each one,
// with the attributes bound by With, to fn. The demo uses it to see state
// changes that last too short for polling (FAILED before COMPENSATING).
type observer struct {
	next  slog.Handler
	attrs []slog.Attr
	fn    func(t time.Time, msg string, attrs map[string]slog.Value)
}

func (o *observer) Enabled(ctx context.Context, l slog.Level) bool {
	return true
}

func (o *observer) Handle(ctx context.Context, r slog.Record) error {
	attrs := make(map[string]slog.Value, len(o.attrs)+r.NumAttrs())
	for _, a := range o.attrs {
		attrs[a.Key] = a.Value
	}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value
		return true
	})
	o.fn(r.Time, r.Message, attrs)
	if o.next.Enabled(ctx, r.Level) {
		return o.next.Handle(ctx, r)
	}
	return nil
}

func (o *observer) WithAttrs(as []slog.Attr) slog.Handler {
	return &observer{next: o.next.WithAttrs(as), attrs: append(append([]slog.Attr(nil), o.attrs...), as...), fn: o.fn}
}

func (o *observer) WithGroup(name string) slog.Handler {
	return &observer{next: o.next.WithGroup(name), attrs: o.attrs, fn: o.fn}
}
