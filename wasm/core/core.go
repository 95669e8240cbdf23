// Package core is the client core's front door: it receives the UI's requests from a Port,
// dispatches them to the handlers registered for each api method, answers, and keeps live
// queries up to date. It is platform-neutral: the browser worker and native tests differ only
// in the Port and Platform they pass in.
package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	"caliopen/wasm/api"
)

// Port carries raw API messages between the core and the UI.
type Port interface {
	// Recv blocks until the UI sends a message or ctx ends.
	Recv(ctx context.Context) ([]byte, error)
	// Send posts a message to the UI.
	Send(msg []byte) error
}

type handlerFunc func(ctx context.Context, params json.RawMessage) (any, error)

type queryFunc func(ctx context.Context, args json.RawMessage) (any, error)

type query struct {
	run    queryFunc
	topics []string
}

type subscription struct {
	run   sync.Mutex // one refresh at a time, so pushes keep their order
	id    int64
	query *query
	args  json.RawMessage
	last  []byte
}

// Core dispatches API requests and maintains live queries.
type Core struct {
	port     Port
	log      *slog.Logger
	handlers map[string]handlerFunc
	queries  map[string]*query

	mu      sync.Mutex
	nextSub int64
	subs    map[int64]*subscription
}

// New returns a core that talks to the UI through port. Register handlers and queries before
// calling Serve.
func New(port Port, log *slog.Logger) *Core {
	if log == nil {
		log = slog.Default()
	}
	c := &Core{
		port:     port,
		log:      log,
		handlers: map[string]handlerFunc{},
		queries:  map[string]*query{},
		subs:     map[int64]*subscription{},
	}
	Handle(c, api.Subscribe, c.subscribe)
	Handle(c, api.Unsubscribe, c.unsubscribe)
	return c
}

// Handle registers fn as the handler of method m.
func Handle[P, R any](c *Core, m api.Method[P, R], fn func(ctx context.Context, p P) (R, error)) {
	c.handlers[m.Name] = func(ctx context.Context, raw json.RawMessage) (any, error) {
		var p P
		if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
			if err := json.Unmarshal(raw, &p); err != nil {
				return nil, api.Errorf(api.CodeBadRequest, fmt.Sprintf("%s: bad parameters: %v", m.Name, err))
			}
		}
		return fn(ctx, p)
	}
}

// Live registers fn as the live query q. Its result is pushed again to every subscriber when
// Changed is called with one of topics and the result differs from the last one sent.
func Live[A, R any](c *Core, q api.Query[A, R], fn func(ctx context.Context, a A) (R, error), topics ...string) {
	c.queries[q.Name] = &query{
		topics: topics,
		run: func(ctx context.Context, raw json.RawMessage) (any, error) {
			var a A
			if len(raw) > 0 && !bytes.Equal(raw, []byte("null")) {
				if err := json.Unmarshal(raw, &a); err != nil {
					return nil, api.Errorf(api.CodeBadRequest, fmt.Sprintf("%s: bad arguments: %v", q.Name, err))
				}
			}
			return fn(ctx, a)
		},
	}
}

// Emit pushes a named event to the UI.
func Emit[D any](c *Core, e api.EventType[D], data D) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	return c.send(api.Event{Event: e.Name, Data: raw})
}

// Serve reads requests until ctx ends or the port fails. Each request runs in its own
// goroutine so a slow one never holds up the others.
func (c *Core) Serve(ctx context.Context) error {
	for {
		msg, err := c.port.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return err
		}
		var req api.Request
		if err := json.Unmarshal(msg, &req); err != nil || req.Method == "" {
			c.log.Warn("core: unreadable request", "error", err, "bytes", len(msg))
			c.reply(req.ID, nil, api.Errorf(api.CodeBadRequest, "the request is not a JSON API request"))
			continue
		}
		go c.dispatch(ctx, req)
	}
}

func (c *Core) dispatch(ctx context.Context, req api.Request) {
	h, ok := c.handlers[req.Method]
	if !ok {
		c.reply(req.ID, nil, api.Errorf(api.CodeUnknownMethod, "the core has no method "+req.Method))
		return
	}
	result, err := h(ctx, req.Params)
	c.reply(req.ID, result, err)
}

func (c *Core) reply(id int64, result any, err error) {
	resp := api.Response{ID: id}
	if err != nil {
		resp.Error = toAPIError(err)
	} else {
		raw, merr := json.Marshal(result)
		if merr != nil {
			resp.Error = api.Errorf(api.CodeInternal, "the core could not encode its answer: "+merr.Error())
		} else {
			resp.Result = raw
		}
	}
	if err := c.send(resp); err != nil {
		c.log.Error("core: cannot answer", "id", id, "error", err)
	}
}

func (c *Core) send(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.port.Send(raw)
}

func toAPIError(err error) *api.Error {
	var ae *api.Error
	if errors.As(err, &ae) {
		return ae
	}
	return api.Errorf(api.CodeInternal, err.Error())
}

func (c *Core) subscribe(ctx context.Context, p api.SubscribeParams) (api.SubscribeResult, error) {
	q, ok := c.queries[p.Query]
	if !ok {
		return api.SubscribeResult{}, api.Errorf(api.CodeNotFound, "the core has no live query "+p.Query)
	}
	c.mu.Lock()
	c.nextSub++
	s := &subscription{id: c.nextSub, query: q, args: p.Args}
	c.subs[s.id] = s
	c.mu.Unlock()
	// The first result follows the subscription's answer, so the UI knows the id first.
	go c.refresh(ctx, s)
	return api.SubscribeResult{Sub: s.id}, nil
}

func (c *Core) unsubscribe(ctx context.Context, p api.UnsubscribeParams) (api.Empty, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.subs[p.Sub]; !ok {
		return api.Empty{}, api.Errorf(api.CodeNotFound, fmt.Sprintf("no live query %d", p.Sub))
	}
	delete(c.subs, p.Sub)
	return api.Empty{}, nil
}

// Changed tells the core that data under topic changed: every live query that depends on it
// is run again and its result pushed when it differs from the last one sent.
func (c *Core) Changed(ctx context.Context, topic string) {
	c.mu.Lock()
	var due []*subscription
	for _, s := range c.subs {
		for _, t := range s.query.topics {
			if t == topic {
				due = append(due, s)
				break
			}
		}
	}
	c.mu.Unlock()
	for _, s := range due {
		c.refresh(ctx, s)
	}
}

func (c *Core) refresh(ctx context.Context, s *subscription) {
	s.run.Lock()
	defer s.run.Unlock()
	result, err := s.query.run(ctx, s.args)
	var raw []byte
	if err != nil {
		raw, _ = json.Marshal(struct {
			Error *api.Error `json:"error"`
		}{toAPIError(err)})
	} else if raw, err = json.Marshal(result); err != nil {
		raw, _ = json.Marshal(struct {
			Error *api.Error `json:"error"`
		}{api.Errorf(api.CodeInternal, err.Error())})
	}
	c.mu.Lock()
	if _, live := c.subs[s.id]; !live || bytes.Equal(s.last, raw) {
		c.mu.Unlock()
		return
	}
	s.last = raw
	c.mu.Unlock()
	if err := c.send(api.Event{Sub: s.id, Data: raw}); err != nil {
		c.log.Error("core: cannot push live query", "sub", s.id, "error", err)
	}
}
