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
	b := &stixBuilder{
		ns:           uuid5(cordilleraNamespace, ev.Exercise.Name+"\x00"+strconv.FormatInt(ms(ev.Exercise.CreatedAt), 10)),
		teams:        map[string]string{},
		patterns:     map[string]string{},
		techniquesOf: map[string][]string{},
		sightings:    map[string]string{},
	}
	b.addIdentities(ev.Exercise, ev.Teams)
	b.addRuns(ev.Runs)
	b.addIndicators(ev.Indicators)
	b.addReports(ev.Reports, ev.Runs)
	return writeJSON(w, stixBundle{Type: "bundle", ID: b.id("bundle", "bundle"), Objects: b.objects})
}

// stixBuilder collects a bundle's objects and the ids later objects refer to.
type stixBuilder struct {
	ns      uuid
	objects []stixObject
	white   string
	// teams, patterns and sightings map a team's key, an attack's name and
	// a run's id to the id of its object.
	teams, patterns, sightings map[string]string
	techniquesOf               map[string][]string
}

func (b *stixBuilder) id(typ, key string) string {
	return typ + "--" + uuid5(b.ns, typ+"\x00"+key).String()
}

// add appends an object created, and last modified, at created, and returns
// its id.
func (b *stixBuilder) add(o stixObject, created time.Time) string {
	o.SpecVersion, o.Created, o.Modified = "2.1", timestamp(created), timestamp(created)
	b.objects = append(b.objects, o)
	return o.ID
}

// addIdentities adds the white team, every team, and the country each team
// is located in.
func (b *stixBuilder) addIdentities(ex Exercise, teams []Team) {
	created := ex.CreatedAt
	title := ex.Title
	if title == "" {
		title = ex.Name
	}
	b.white = b.add(stixObject{Type: "identity", ID: b.id("identity", "white-team"), Name: "Cordillera exercise " + title,
		Description: "The white team of exercise " + ex.Name + ", which ran the attacks.", IdentityClass: "system"}, created)

	locations := map[string]string{}
	for _, t := range teams {
		if locations[t.Country] == "" {
			locations[t.Country] = b.add(stixObject{Type: "location", ID: b.id("location", t.Country), CreatedByRef: b.white, Name: t.Country, Country: t.Country}, created)
		}
		b.teams[t.ID] = b.add(stixObject{Type: "identity", ID: b.id("identity", "team:"+t.ID), CreatedByRef: b.white, Name: t.Name,
			Description: "Team " + t.ID + " of exercise " + ex.Name + ".", IdentityClass: "organization"}, created)
		b.add(stixObject{Type: "relationship", ID: b.id("relationship", "located-at:"+t.ID), CreatedByRef: b.white,
			RelationshipType: "located-at", SourceRef: b.teams[t.ID], TargetRef: locations[t.Country]}, created)
	}
}

// addRuns adds an attack-pattern for each attack, at its first run, and a
// sighting for each run that ran.
func (b *stixBuilder) addRuns(runs []AttackRun) {
	for _, run := range runs {
		if b.patterns[run.Attack] == "" {
			var refs []stixRef
			for _, t := range run.Techniques {
				refs = append(refs, stixRef{SourceName: "mitre-attack", ExternalID: t,
					URL: "https://attack.mitre.org/techniques/" + strings.ReplaceAll(t, ".", "/") + "/"})
			}
			b.patterns[run.Attack] = b.add(stixObject{Type: "attack-pattern", ID: b.id("attack-pattern", run.Attack), CreatedByRef: b.white,
				Name: run.Attack, ExternalReferences: refs}, run.Started.At)
			b.techniquesOf[run.Attack] = run.Techniques
		}
		if run.Verdict == VerdictNotApplicable {
			continue
		}
		o := stixObject{Type: "sighting", ID: b.id("sighting", "run:"+run.ID), CreatedByRef: b.white,
			Description:   fmt.Sprintf("attack %s against %s of team %s: %s", run.Attack, run.Target, run.Team, run.Verdict),
			SightingOfRef: b.patterns[run.Attack], WhereSightedRefs: []string{b.teams[run.Team]},
			FirstSeen: timestamp(run.Started.At), Count: 1, RunID: run.ID, Verdict: run.Verdict, Target: run.Target}
		// STIX tools reject a last_seen that is not after first_seen.
		if run.Ended.At.After(run.Started.At) {
			o.LastSeen = timestamp(run.Ended.At)
		}
		b.sightings[run.ID] = b.add(o, run.Ended.At)
	}
}

// addIndicators adds each shared indicator, and a relationship to each
// attack it is about, in the order of the attacks' names.
func (b *stixBuilder) addIndicators(indicators []SharedIndicator) {
	for _, ind := range indicators {
		ref := b.add(stixObject{Type: "indicator", ID: b.id("indicator", strconv.FormatInt(ind.ID, 10)), CreatedByRef: b.teams[ind.Team],
			Name: ind.Kind + " " + ind.Value, Description: ind.Description, IndicatorTypes: []string{"malicious-activity"},
			Pattern: stixPattern(ind.Kind, ind.Value), PatternType: "stix", PatternVersion: "2.1", ValidFrom: timestamp(ind.At)}, ind.At)
		for _, attack := range slices.Sorted(maps.Keys(b.patterns)) {
			if aboutAttack(ind, AttackRun{Attack: attack, Techniques: b.techniquesOf[attack]}) {
				b.add(stixObject{Type: "relationship", ID: b.id("relationship", fmt.Sprintf("indicates:%d:%s", ind.ID, attack)), CreatedByRef: b.teams[ind.Team],
					RelationshipType: "indicates", SourceRef: ref, TargetRef: b.patterns[attack]}, ind.At)
			}
		}
	}
}

// addReports adds a report for each incident report matched to a run that
// has a sighting, referring to the sighting, the attack and the team.
func (b *stixBuilder) addReports(reports []IncidentReport, runs []AttackRun) {
	for _, rep := range reports {
		sighting := b.sightings[rep.Run]
		if sighting == "" {
			continue
		}
		var attack string
		for _, run := range runs {
			if run.ID == rep.Run {
				attack = run.Attack
			}
		}
		b.add(stixObject{Type: "report", ID: b.id("report", strconv.FormatInt(rep.ID, 10)), CreatedByRef: b.teams[rep.Team],
			Name: fmt.Sprintf("Incident report %d of team %s", rep.ID, rep.Team), Description: rep.Summary,
			ReportTypes: []string{"threat-report"}, Published: timestamp(rep.At),
			ObjectRefs: []string{sighting, b.patterns[attack], b.teams[rep.Team]}, Source: rep.Source}, rep.At)
	}
}

// stixPattern is the STIX patterning expression matching an indicator.
func stixPattern(kind, value string) string {
	value = strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(value)
	if kind == IndicatorSHA256 {
		return fmt.Sprintf("[file:hashes.'SHA-256' = '%s']", value)
	}
	return fmt.Sprintf("[%s:value = '%s']", kind, value)
}
