// Command promql-eval evaluates PromQL expressions with the engine of the pinned Prometheus
// release over series given on standard input, as JSON:
//
//	{"series": [{"labels": {"__name__": "up", "job": "x"}, "samples": [[0, 1], [60, 1]]}],
//	 "queries": [{"expr": "sum(up)", "at": 60}]}
//
// (times in seconds) and prints, per query, its result vector as JSON (labels and value; [] when
// empty), or its error. Nothing else: no scraping, no rules manager.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/prometheus/prometheus/promql"
	"github.com/prometheus/prometheus/tsdb"
)

type input struct {
	Series []struct {
		Labels  map[string]string `json:"labels"`
		Samples [][2]float64      `json:"samples"`
	} `json:"series"`
	Queries []struct {
		Expr string  `json:"expr"`
		At   float64 `json:"at"`
	} `json:"queries"`
}

type sample struct {
	Labels map[string]string `json:"labels"`
	Value  float64           `json:"value"`
}

type result struct {
	Expr   string   `json:"expr"`
	Result []sample `json:"result"`
	Error  string   `json:"error,omitempty"`
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "promql-eval:", err)
	os.Exit(1)
}

func main() {
	var in input
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		fail(err)
	}
	dir, err := os.MkdirTemp("", "promql-eval-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	db, err := tsdb.Open(dir, nil, nil, tsdb.DefaultOptions(), nil)
	if err != nil {
		fail(err)
	}
	defer db.Close()
	ctx := context.Background()
	app := db.Appender(ctx)
	for _, s := range in.Series {
		ls := labels.FromMap(s.Labels)
		for _, p := range s.Samples {
			if _, err := app.Append(0, ls, int64(p[0]*1000), p[1]); err != nil {
				fail(err)
			}
		}
	}
	if err := app.Commit(); err != nil {
		fail(err)
	}
	engine := promql.NewEngine(promql.EngineOpts{MaxSamples: 50000000, Timeout: time.Minute, LookbackDelta: 5 * time.Minute})
	out := []result{}
	for _, q := range in.Queries {
		r := result{Expr: q.Expr, Result: []sample{}}
		query, err := engine.NewInstantQuery(ctx, db, nil, q.Expr, time.UnixMilli(int64(q.At*1000)))
		if err != nil {
			r.Error = err.Error()
			out = append(out, r)
			continue
		}
		res := query.Exec(ctx)
		if res.Err != nil {
			r.Error = res.Err.Error()
		} else if v, err := res.Vector(); err != nil {
			r.Error = err.Error()
		} else {
			for _, s := range v {
				r.Result = append(r.Result, sample{Labels: s.Metric.Map(), Value: s.F})
			}
			sort.Slice(r.Result, func(i, j int) bool { return labels.FromMap(r.Result[i].Labels).String() < labels.FromMap(r.Result[j].Labels).String() })
		}
		query.Close()
		out = append(out, r)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail(err)
	}
}
