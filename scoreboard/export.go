package scoreboard

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"
)

// The export formats are contracts with spreadsheets and other tools:
// column and field names are snake_case and change only with a new name.

// Export writes one export of an exercise, as `cordillera export` does.
// what is "standings", "ledger", "statistics", "trends" or "stix"; format is
// "csv" or "json" (STIX is JSON only). Trends cover every exercise in the
// file, so exercise must be empty for them. Exports show everything
// recorded, as instructors see it, whether the public board is frozen or not.
func Export(ctx context.Context, s *Store, exercise, what, format string, w io.Writer) error {
	if format != "csv" && format != "json" {
		return fmt.Errorf("export format %q must be csv or json: %w", format, ErrInvalid)
	}
	if (what == "trends") != (exercise == "") {
		return fmt.Errorf("export %q: name an exercise for standings, ledger, statistics and stix, and none for trends, which cover them all: %w", what, ErrInvalid)
	}
	csvOrJSON := func(toCSV, toJSON func(io.Writer) error) error {
		if format == "csv" {
			return toCSV(w)
		}
		return toJSON(w)
	}
	switch what {
	case "standings":
		st, err := s.Standings(ctx, exercise, Live)
		if err != nil {
			return err
		}
		return csvOrJSON(func(w io.Writer) error { return WriteStandingsCSV(w, st) }, func(w io.Writer) error { return WriteStandingsJSON(w, st) })
	case "ledger":
		return csvOrJSON(func(w io.Writer) error { return s.WriteLedgerCSV(ctx, w, exercise) }, func(w io.Writer) error { return s.WriteLedgerJSON(ctx, w, exercise) })
	case "statistics":
		st, err := s.Statistics(ctx, exercise)
		if err != nil {
			return err
		}
		return csvOrJSON(func(w io.Writer) error { return WriteStatisticsCSV(w, st) }, func(w io.Writer) error { return WriteStatisticsJSON(w, st) })
	case "trends":
		tr, err := s.Trends(ctx)
		if err != nil {
			return err
		}
		return csvOrJSON(func(w io.Writer) error { return WriteTrendsCSV(w, tr) }, func(w io.Writer) error { return WriteTrendsJSON(w, tr) })
	case "stix":
		if format != "json" {
			return fmt.Errorf("a STIX bundle is JSON; use --format json: %w", ErrInvalid)
		}
		ev, err := s.Evidence(ctx, exercise)
		if err != nil {
			return err
		}
		return WriteSTIX(w, ev)
	}
	return fmt.Errorf("export %q: choose standings, ledger, statistics, trends or stix: %w", what, ErrInvalid)
}

// timestamp is how every export writes a time: RFC 3339, UTC, milliseconds
// (what STIX requires, and what spreadsheets parse).
func timestamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func nullableTimestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := timestamp(t)
	return &s
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func writeCSV(w io.Writer, rows [][]string) error {
	cw := newCSVWriter(w)
	for _, row := range rows {
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// csvWriter is the one writer of every CSV export: each cell goes through
// csvCell, so that text staff or teams typed is never a spreadsheet formula.
type csvWriter struct {
	*csv.Writer
	cells []string
}

func newCSVWriter(w io.Writer) *csvWriter { return &csvWriter{Writer: csv.NewWriter(w)} }

func (cw *csvWriter) Write(row []string) error {
	cw.cells = cw.cells[:0]
	for _, c := range row {
		cw.cells = append(cw.cells, csvCell(c))
	}
	return cw.Writer.Write(cw.cells)
}

// csvCell neutralises a text cell a spreadsheet would read as a formula:
// one that starts with = + - @, a tab or a carriage return gets a leading
// apostrophe, which spreadsheets show as text (OWASP's advice). A number,
// such as -100 or +1.5e3, is left as it is: it is no formula, and it must
// stay a number for sums and charts.
func csvCell(c string) string {
	if c == "" {
		return c
	}
	switch c[0] {
	case '=', '+', '-', '@', '\t', '\r':
		if !csvNumber(c) {
			return "'" + c
		}
	}
	return c
}

// csvNumber is a plain decimal number: an optional sign, digits with at
// most one point, an optional exponent. strconv.ParseFloat takes more
// ("-Inf", "-0x1p3") that a spreadsheet would not read as a number.
var csvNumber = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`).MatchString

func itoa(n int) string { return strconv.Itoa(n) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// WriteStandingsCSV writes one row per team, then one per country.
func WriteStandingsCSV(w io.Writer, st Standings) error {
	rows := [][]string{append([]string{"level", "rank", "id", "name", "country", "teams", "total"}, Categories...)}
	for _, t := range st.Teams {
		row := []string{"team", itoa(t.Rank), t.Team.ID, t.Team.Name, t.Team.Country, "", itoa(t.Total)}
		for _, c := range Categories {
			row = append(row, itoa(t.Categories[c]))
		}
		rows = append(rows, row)
	}
	for _, c := range st.Countries {
		row := []string{"country", itoa(c.Rank), c.Country, "", c.Country, itoa(c.Teams), ftoa(c.Total)}
		for _, k := range Categories {
			row = append(row, ftoa(c.Categories[k]))
		}
		rows = append(rows, row)
	}
	return writeCSV(w, rows)
}

type teamStandingJSON struct {
	Rank       int            `json:"rank"`
	Team       string         `json:"team"`
	Name       string         `json:"name"`
	Country    string         `json:"country"`
	Total      int            `json:"total"`
	Categories map[string]int `json:"categories"`
}

type countryStandingJSON struct {
	Rank       int                `json:"rank"`
	Country    string             `json:"country"`
	Teams      int                `json:"teams"`
	Total      float64            `json:"total"`
	Categories map[string]float64 `json:"categories"`
}

// WriteStandingsJSON writes the standings as one JSON object.
func WriteStandingsJSON(w io.Writer, st Standings) error {
	out := struct {
		Exercise        string                `json:"exercise"`
		View            string                `json:"view"`
		FrozenAt        *string               `json:"frozen_at"`
		CountryStanding string                `json:"country_standing"`
		Categories      []string              `json:"categories"`
		Teams           []teamStandingJSON    `json:"teams"`
		Countries       []countryStandingJSON `json:"countries"`
	}{
		Exercise: st.Exercise, View: st.View.String(), FrozenAt: nullableTimestamp(st.FrozenAt),
		CountryStanding: st.CountryStanding, Categories: Categories,
		Teams: []teamStandingJSON{}, Countries: []countryStandingJSON{},
	}
	for _, t := range st.Teams {
		out.Teams = append(out.Teams, teamStandingJSON{Rank: t.Rank, Team: t.Team.ID, Name: t.Team.Name, Country: t.Team.Country, Total: t.Total, Categories: t.Categories})
	}
	for _, c := range st.Countries {
		out.Countries = append(out.Countries, countryStandingJSON{Rank: c.Rank, Country: c.Country, Teams: c.Teams, Total: c.Total, Categories: c.Categories})
	}
	return writeJSON(w, out)
}

var ledgerHeader = []string{"id", "team", "category", "points", "raw_points", "at", "elapsed", "elapsed_ms",
	"cause_kind", "cause_id", "cause", "author", "reason"}

// WriteLedgerCSV writes every entry of an exercise, oldest first, streaming
// from the database.
func (s *Store) WriteLedgerCSV(ctx context.Context, w io.Writer, exercise string) error {
	cw := newCSVWriter(w)
	cw.Write(ledgerHeader)
	err := s.Ledger(ctx, exercise, func(e Entry) error {
		return cw.Write([]string{
			strconv.FormatInt(e.ID, 10), e.Team, e.Category, itoa(e.Points), itoa(e.RawPoints), timestamp(e.At),
			clock(e.Elapsed), strconv.FormatInt(e.Elapsed.Milliseconds(), 10), e.CauseKind, strconv.FormatInt(e.CauseID, 10),
			e.Cause, e.Author, e.Reason,
		})
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

type entryJSON struct {
	ID        int64  `json:"id"`
	Team      string `json:"team"`
	Category  string `json:"category"`
	Points    int    `json:"points"`
	RawPoints int    `json:"raw_points"`
	At        string `json:"at"`
	Elapsed   string `json:"elapsed"`
	ElapsedMS int64  `json:"elapsed_ms"`
	CauseKind string `json:"cause_kind"`
	CauseID   int64  `json:"cause_id"`
	Cause     string `json:"cause"`
	Author    string `json:"author"`
	Reason    string `json:"reason"`
}

// WriteLedgerJSON writes every entry of an exercise as a JSON array, oldest
// first, streaming from the database: one entry per line.
func (s *Store) WriteLedgerJSON(ctx context.Context, w io.Writer, exercise string) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("[")
	sep := "\n"
	err := s.Ledger(ctx, exercise, func(e Entry) error {
		b, err := json.Marshal(entryJSON{
			ID: e.ID, Team: e.Team, Category: e.Category, Points: e.Points, RawPoints: e.RawPoints, At: timestamp(e.At),
			Elapsed: clock(e.Elapsed), ElapsedMS: e.Elapsed.Milliseconds(), CauseKind: e.CauseKind, CauseID: e.CauseID,
			Cause: e.Cause, Author: e.Author, Reason: e.Reason,
		})
		bw.WriteString(sep)
		bw.Write(b)
		sep = ",\n"
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

var summaryHeader = []string{"checks", "checks_passed", "availability_pct", "attacks_blocked", "attacks_succeeded",
	"attacks_not_applicable", "detected", "ttd_count", "ttd_median_s", "ttd_p90_s", "injects", "answered", "late",
	"ttr_count", "ttr_median_s", "ttr_p90_s"}

func durationCells(d Durations) []string {
	if d.Count == 0 {
		return []string{"0", "", ""}
	}
	return []string{itoa(d.Count), ftoa(d.Median.Seconds()), ftoa(d.P90.Seconds())}
}

func summaryCells(s Summary) []string {
	cells := []string{itoa(s.Checks), itoa(s.ChecksPassed), ftoa(s.Availability), itoa(s.Blocked), itoa(s.Succeeded),
		itoa(s.NotApplicable), itoa(s.Detected)}
	cells = append(cells, durationCells(s.TimeToDetect)...)
	cells = append(cells, itoa(s.Injects), itoa(s.Answered), itoa(s.Late))
	return append(cells, durationCells(s.TimeToRespond)...)
}

// WriteStatisticsCSV writes the overall row, then countries, teams and
// injects; an inject row fills only the inject columns.
func WriteStatisticsCSV(w io.Writer, st Statistics) error {
	rows := [][]string{append([]string{"level", "id", "name", "country", "teams"}, summaryHeader...)}
	rows = append(rows, append([]string{"overall", st.Exercise, "", "", itoa(len(st.Teams))}, summaryCells(st.Overall)...))
	for _, c := range st.Countries {
		rows = append(rows, append([]string{"country", c.Country, "", c.Country, itoa(c.Teams)}, summaryCells(c.Summary)...))
	}
	for _, t := range st.Teams {
		rows = append(rows, append([]string{"team", t.Team.ID, t.Team.Name, t.Team.Country, ""}, summaryCells(t.Summary)...))
	}
	for _, in := range st.Injects {
		row := []string{"inject", in.Inject, "", "", "", "", "", "", "", "", "", "", "", "", "", itoa(in.Delivered), itoa(in.Answered), itoa(in.Late)}
		rows = append(rows, append(row, durationCells(in.TimeToRespond)...))
	}
	return writeCSV(w, rows)
}

type durationsJSON struct {
	Count  int      `json:"count"`
	Median *float64 `json:"median_seconds"`
	P90    *float64 `json:"p90_seconds"`
}

func durationsOut(d Durations) durationsJSON {
	if d.Count == 0 {
		return durationsJSON{}
	}
	m, p := d.Median.Seconds(), d.P90.Seconds()
	return durationsJSON{Count: d.Count, Median: &m, P90: &p}
}

type summaryJSON struct {
	Checks        int           `json:"checks"`
	ChecksPassed  int           `json:"checks_passed"`
	Availability  float64       `json:"availability_pct"`
	Blocked       int           `json:"attacks_blocked"`
	Succeeded     int           `json:"attacks_succeeded"`
	NotApplicable int           `json:"attacks_not_applicable"`
	Detected      int           `json:"detected"`
	TimeToDetect  durationsJSON `json:"time_to_detect"`
	Injects       int           `json:"injects"`
	Answered      int           `json:"answered"`
	Late          int           `json:"late"`
	TimeToRespond durationsJSON `json:"time_to_respond"`
}

func summaryOut(s Summary) summaryJSON {
	return summaryJSON{
		Checks: s.Checks, ChecksPassed: s.ChecksPassed, Availability: s.Availability, Blocked: s.Blocked,
		Succeeded: s.Succeeded, NotApplicable: s.NotApplicable, Detected: s.Detected, TimeToDetect: durationsOut(s.TimeToDetect),
		Injects: s.Injects, Answered: s.Answered, Late: s.Late, TimeToRespond: durationsOut(s.TimeToRespond),
	}
}

type countryStatisticsJSON struct {
	Country string `json:"country"`
	Teams   int    `json:"teams"`
	summaryJSON
}

func countriesOut(cs []CountryStatistics) []countryStatisticsJSON {
	out := []countryStatisticsJSON{}
	for _, c := range cs {
		out = append(out, countryStatisticsJSON{Country: c.Country, Teams: c.Teams, summaryJSON: summaryOut(c.Summary)})
	}
	return out
}

// WriteStatisticsJSON writes the statistics as one JSON object; durations
// are in seconds, null when there is nothing to measure.
func WriteStatisticsJSON(w io.Writer, st Statistics) error {
	type teamJSON struct {
		Team    string `json:"team"`
		Name    string `json:"name"`
		Country string `json:"country"`
		summaryJSON
	}
	type injectJSON struct {
		Inject        string        `json:"inject"`
		Delivered     int           `json:"delivered"`
		Answered      int           `json:"answered"`
		Late          int           `json:"late"`
		TimeToRespond durationsJSON `json:"time_to_respond"`
	}
	out := struct {
		Exercise  string                  `json:"exercise"`
		Overall   summaryJSON             `json:"overall"`
		Countries []countryStatisticsJSON `json:"countries"`
		Teams     []teamJSON              `json:"teams"`
		Injects   []injectJSON            `json:"injects"`
	}{Exercise: st.Exercise, Overall: summaryOut(st.Overall), Countries: countriesOut(st.Countries), Teams: []teamJSON{}, Injects: []injectJSON{}}
	for _, t := range st.Teams {
		out.Teams = append(out.Teams, teamJSON{Team: t.Team.ID, Name: t.Team.Name, Country: t.Team.Country, summaryJSON: summaryOut(t.Summary)})
	}
	for _, in := range st.Injects {
		out.Injects = append(out.Injects, injectJSON{Inject: in.Inject, Delivered: in.Delivered, Answered: in.Answered, Late: in.Late, TimeToRespond: durationsOut(in.TimeToRespond)})
	}
	return writeJSON(w, out)
}

// WriteTrendsCSV writes, for every exercise in order, its overall row and
// one row per country.
func WriteTrendsCSV(w io.Writer, trends []Trend) error {
	rows := [][]string{append([]string{"exercise", "title", "scenario", "started_at", "level", "country", "teams"}, summaryHeader...)}
	for _, tr := range trends {
		head := []string{tr.Exercise, tr.Title, tr.Scenario, timestamp(tr.StartedAt)}
		teams := 0
		for _, c := range tr.Countries {
			teams += c.Teams
		}
		rows = append(rows, append(append(head[:4:4], "overall", "", itoa(teams)), summaryCells(tr.Overall)...))
		for _, c := range tr.Countries {
			rows = append(rows, append(append(head[:4:4], "country", c.Country, itoa(c.Teams)), summaryCells(c.Summary)...))
		}
	}
	return writeCSV(w, rows)
}

// WriteTrendsJSON writes the series of exercises as a JSON array.
func WriteTrendsJSON(w io.Writer, trends []Trend) error {
	type trendJSON struct {
		Exercise  string                  `json:"exercise"`
		Title     string                  `json:"title"`
		Scenario  string                  `json:"scenario"`
		StartedAt *string                 `json:"started_at"`
		Overall   summaryJSON             `json:"overall"`
		Countries []countryStatisticsJSON `json:"countries"`
	}
	out := []trendJSON{}
	for _, tr := range trends {
		out = append(out, trendJSON{Exercise: tr.Exercise, Title: tr.Title, Scenario: tr.Scenario, StartedAt: nullableTimestamp(tr.StartedAt),
			Overall: summaryOut(tr.Overall), Countries: countriesOut(tr.Countries)})
	}
	return writeJSON(w, out)
}
