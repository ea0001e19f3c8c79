package scoreboard

import (
	"context"
	"crypto/sha1"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Evidence is what an exercise's STIX bundle is made of: its teams, attack
// runs, incident reports (matched ones name their run) and shared
// indicators, each list in the order things happened.
type Evidence struct {
	Exercise   Exercise
	Teams      []Team // without join codes
	Runs       []AttackRun
	Reports    []IncidentReport
	Indicators []SharedIndicator
}

// Evidence reads an exercise's attack runs, reports and indicators.
func (s *Store) Evidence(ctx context.Context, exercise string) (Evidence, error) {
	ex, err := s.exercise(ctx, s.db, exercise)
	if err != nil {
		return Evidence{}, err
	}
	fail := func(err error) (Evidence, error) { return Evidence{}, fmt.Errorf("evidence of %q: %w", exercise, err) }
	ev := Evidence{Exercise: ex.exercise()}
	var teams []teamRow
	if err := s.db.SelectContext(ctx, &teams, "SELECT * FROM teams WHERE exercise_id = ? ORDER BY key", ex.ID); err != nil {
		return fail(err)
	}
	for _, t := range teams {
		ev.Teams = append(ev.Teams, Team{Exercise: ex.Name, ID: t.Key, Name: t.Name, Country: t.Country})
	}
	var runs []runRow
	if err := s.db.SelectContext(ctx, &runs, `SELECT run.*, t.key AS team FROM attack_runs run JOIN teams t ON t.id = run.team_id
		WHERE run.exercise_id = ? ORDER BY run.started_elapsed, run.run`, ex.ID); err != nil {
		return fail(err)
	}
	for _, r := range runs {
		ev.Runs = append(ev.Runs, r.run(ex.Name))
	}
	var reports []reportRow
	if err := s.db.SelectContext(ctx, &reports, `SELECT rep.*, t.key AS team, run.run AS run FROM incident_reports rep
		JOIN teams t ON t.id = rep.team_id
		LEFT JOIN detections d ON d.report_id = rep.id LEFT JOIN attack_runs run ON run.id = d.run_id
		WHERE rep.exercise_id = ? ORDER BY rep.elapsed, rep.id`, ex.ID); err != nil {
		return fail(err)
	}
	for _, r := range reports {
		ev.Reports = append(ev.Reports, r.report(ex.Name))
	}
	var indicators []indicatorRow
	if err := s.db.SelectContext(ctx, &indicators, `SELECT si.*, t.key AS team, t.country FROM shared_indicators si
		JOIN teams t ON t.id = si.team_id WHERE si.exercise_id = ? ORDER BY si.elapsed, si.id`, ex.ID); err != nil {
		return fail(err)
	}
	for _, r := range indicators {
		ev.Indicators = append(ev.Indicators, r.indicator(ex.Name))
	}
	return ev, nil
}

// uuid is an RFC 4122 UUID.
type uuid [16]byte

func (u uuid) String() string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

// uuid5 is a name-based UUID (RFC 4122 section 4.3, SHA-1).
func uuid5(namespace uuid, name string) uuid {
	h := sha1.New()
	h.Write(namespace[:])
	h.Write([]byte(name))
	var u uuid
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	return u
}

// cordilleraNamespace roots the ids of every STIX object Cordillera makes.
// STIX advises UUIDv4 but allows name-based ids in a namespace of one's own:
// exporting an exercise again gives every object the same id, so CSIRTs
// that import the bundle twice update objects instead of duplicating them.
var cordilleraNamespace = uuid{0x23, 0xab, 0xcf, 0x91, 0x37, 0xc4, 0x4f, 0x4d, 0xac, 0x26, 0xcf, 0x09, 0x88, 0x02, 0x21, 0xb3}

type stixRef struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id,omitempty"`
	URL        string `json:"url,omitempty"`
}

// stixObject holds the properties of every object type the bundle uses;
// each object sets those of its type.
type stixObject struct {
	Type               string    `json:"type"`
	SpecVersion        string    `json:"spec_version"`
	ID                 string    `json:"id"`
	CreatedByRef       string    `json:"created_by_ref,omitempty"`
	Created            string    `json:"created"`
	Modified           string    `json:"modified"`
	Name               string    `json:"name,omitempty"`
	Description        string    `json:"description,omitempty"`
	IdentityClass      string    `json:"identity_class,omitempty"`
	Country            string    `json:"country,omitempty"`
	ExternalReferences []stixRef `json:"external_references,omitempty"`
	IndicatorTypes     []string  `json:"indicator_types,omitempty"`
	Pattern            string    `json:"pattern,omitempty"`
	PatternType        string    `json:"pattern_type,omitempty"`
	PatternVersion     string    `json:"pattern_version,omitempty"`
	ValidFrom          string    `json:"valid_from,omitempty"`
	RelationshipType   string    `json:"relationship_type,omitempty"`
	SourceRef          string    `json:"source_ref,omitempty"`
	TargetRef          string    `json:"target_ref,omitempty"`
	SightingOfRef      string    `json:"sighting_of_ref,omitempty"`
	WhereSightedRefs   []string  `json:"where_sighted_refs,omitempty"`
	FirstSeen          string    `json:"first_seen,omitempty"`
	LastSeen           string    `json:"last_seen,omitempty"`
	Count              int       `json:"count,omitempty"`
	ReportTypes        []string  `json:"report_types,omitempty"`
	Published          string    `json:"published,omitempty"`
	ObjectRefs         []string  `json:"object_refs,omitempty"`
	// Custom properties keep what STIX has no property for.
	RunID   string `json:"x_cordillera_run_id,omitempty"`
	Verdict string `json:"x_cordillera_verdict,omitempty"`
	Target  string `json:"x_cordillera_target,omitempty"`
	Source  string `json:"x_cordillera_source,omitempty"`
}

type stixBundle struct {
	Type    string       `json:"type"`
	ID      string       `json:"id"`
	Objects []stixObject `json:"objects"`
}

// WriteSTIX writes an exercise's attack runs and the incident reports
// matched to them as a STIX 2.1 bundle: the white team and every team as
// identities located in their country, one attack-pattern per scenario
// attack (with its ATT&CK techniques), one sighting per run that ran, the
// teams' shared indicators, and one report per matched incident report.
func WriteSTIX(w io.Writer, ev Evidence) error {
	ns := uuid5(cordilleraNamespace, ev.Exercise.Name+"\x00"+strconv.FormatInt(ms(ev.Exercise.CreatedAt), 10))
	id := func(typ, key string) string { return typ + "--" + uuid5(ns, typ+"\x00"+key).String() }
	var objects []stixObject
	add := func(o stixObject, created time.Time) string {
		o.SpecVersion, o.Created, o.Modified = "2.1", timestamp(created), timestamp(created)
		objects = append(objects, o)
		return o.ID
	}
	created := ev.Exercise.CreatedAt
	title := ev.Exercise.Title
	if title == "" {
		title = ev.Exercise.Name
	}
	white := add(stixObject{Type: "identity", ID: id("identity", "white-team"), Name: "Cordillera exercise " + title,
		Description: "The white team of exercise " + ev.Exercise.Name + ", which ran the attacks.", IdentityClass: "system"}, created)

	teams := map[string]string{}
	locations := map[string]string{}
	for _, t := range ev.Teams {
		if locations[t.Country] == "" {
			locations[t.Country] = add(stixObject{Type: "location", ID: id("location", t.Country), CreatedByRef: white, Name: t.Country, Country: t.Country}, created)
		}
		teams[t.ID] = add(stixObject{Type: "identity", ID: id("identity", "team:"+t.ID), CreatedByRef: white, Name: t.Name,
			Description: "Team " + t.ID + " of exercise " + ev.Exercise.Name + ".", IdentityClass: "organization"}, created)
		add(stixObject{Type: "relationship", ID: id("relationship", "located-at:"+t.ID), CreatedByRef: white,
			RelationshipType: "located-at", SourceRef: teams[t.ID], TargetRef: locations[t.Country]}, created)
	}

	patterns := map[string]string{}
	techniquesOf := map[string][]string{}
	runs := map[string]string{}
	for _, run := range ev.Runs {
		if patterns[run.Attack] == "" {
			var refs []stixRef
			for _, t := range run.Techniques {
				refs = append(refs, stixRef{SourceName: "mitre-attack", ExternalID: t,
					URL: "https://attack.mitre.org/techniques/" + strings.ReplaceAll(t, ".", "/") + "/"})
			}
			patterns[run.Attack] = add(stixObject{Type: "attack-pattern", ID: id("attack-pattern", run.Attack), CreatedByRef: white,
				Name: run.Attack, ExternalReferences: refs}, run.Started.At)
			techniquesOf[run.Attack] = run.Techniques
		}
		if run.Verdict == VerdictNotApplicable {
			continue
		}
		o := stixObject{Type: "sighting", ID: id("sighting", "run:"+run.ID), CreatedByRef: white,
			Description:   fmt.Sprintf("attack %s against %s of team %s: %s", run.Attack, run.Target, run.Team, run.Verdict),
			SightingOfRef: patterns[run.Attack], WhereSightedRefs: []string{teams[run.Team]},
			FirstSeen: timestamp(run.Started.At), Count: 1, RunID: run.ID, Verdict: run.Verdict, Target: run.Target}
		// STIX tools reject a last_seen that is not after first_seen.
		if run.Ended.At.After(run.Started.At) {
			o.LastSeen = timestamp(run.Ended.At)
		}
		runs[run.ID] = add(o, run.Ended.At)
	}

	for _, ind := range ev.Indicators {
		ref := add(stixObject{Type: "indicator", ID: id("indicator", strconv.FormatInt(ind.ID, 10)), CreatedByRef: teams[ind.Team],
			Name: ind.Kind + " " + ind.Value, Description: ind.Description, IndicatorTypes: []string{"malicious-activity"},
			Pattern: stixPattern(ind.Kind, ind.Value), PatternType: "stix", PatternVersion: "2.1", ValidFrom: timestamp(ind.At)}, ind.At)
		for _, attack := range slices.Sorted(maps.Keys(patterns)) {
			if aboutAttack(ind, AttackRun{Attack: attack, Techniques: techniquesOf[attack]}) {
				add(stixObject{Type: "relationship", ID: id("relationship", fmt.Sprintf("indicates:%d:%s", ind.ID, attack)), CreatedByRef: teams[ind.Team],
					RelationshipType: "indicates", SourceRef: ref, TargetRef: patterns[attack]}, ind.At)
			}
		}
	}

	for _, rep := range ev.Reports {
		sighting := runs[rep.Run]
		if sighting == "" {
			continue
		}
		var attack string
		for _, run := range ev.Runs {
			if run.ID == rep.Run {
				attack = run.Attack
			}
		}
		add(stixObject{Type: "report", ID: id("report", strconv.FormatInt(rep.ID, 10)), CreatedByRef: teams[rep.Team],
			Name: fmt.Sprintf("Incident report %d of team %s", rep.ID, rep.Team), Description: rep.Summary,
			ReportTypes: []string{"threat-report"}, Published: timestamp(rep.At),
			ObjectRefs: []string{sighting, patterns[attack], teams[rep.Team]}, Source: rep.Source}, rep.At)
	}

	return writeJSON(w, stixBundle{Type: "bundle", ID: id("bundle", "bundle"), Objects: objects})
}

// stixPattern is the STIX patterning expression matching an indicator.
func stixPattern(kind, value string) string {
	value = strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value)
	if kind == IndicatorSHA256 {
		return fmt.Sprintf("[file:hashes.'SHA-256' = '%s']", value)
	}
	return fmt.Sprintf("[%s:value = '%s']", kind, value)
}
