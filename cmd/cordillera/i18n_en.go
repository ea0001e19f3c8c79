package main

// The command line's messages in English, by key (see i18n.go): fmt verbs
// for the arguments, %[n]s where a translation needs them in another order.
// Keys starting with "flag." are flags' usages: a word in backquotes is the
// flag's value in the usage line.
var stringsEN = map[string]string{
	"main.about":    "Cordillera runs cyber-defense exercises in isolated container ranges.",
	"main.usage":    "Usage: cordillera [--lang es|en] COMMAND [options]",
	"main.commands": "Commands:",
	"main.more":     "Run 'cordillera COMMAND -h' for a command's options. Messages are in Spanish when LC_ALL, LC_MESSAGES or LANG starts with es.",
	"main.unknown":  "unknown command %q",
	"main.lang":     "--lang is es or en, not %q",
	"flags.usage":   "Usage: cordillera %s %s",
	"flags.options": "Options:",
	"flags.default": "(default",
	"and":           "and",

	"cmd.validate": "check scenario and exercise files; every mistake at once",
	"cmd.plan":     "show what each team gets: networks, containers, timeline",
	"cmd.fmt":      "rewrite scenario files in canonical format",
	"cmd.export":   "write standings, ledger, statistics or STIX of an exercise",
	"cmd.up":       "deploy every team's range on the Docker engine",
	"cmd.down":     "remove everything an exercise deployed",
	"cmd.status":   "list deployed exercises: containers, state, addresses",
	"cmd.reset":    "recreate a team's host from its image",
	"cmd.nodes":    "list the swarm's nodes: state, load, teams",
	"cmd.move":     "move a team to another node of the swarm, with its addresses",
	"cmd.images":   "build the Debian base image with no registry (images bootstrap)",
	"cmd.control":  "an instructor's hands on a running exercise: pause, kill switch, fire, approve...",
	"cmd.run":      "run a whole exercise headless: deploy, clock, rounds, attacks, injects",
	"cmd.shell":    "open a shell on a team's host, or run a command there",
	"cmd.serve":    "serve the web interface: scoreboard, team pages, statistics, API",

	// Flags several commands share.
	"flag.range.exercise": "exercise `file` naming the scenario and its teams",
	"flag.range.teams":    "number of sample `teams` when deploying a SCENARIO (exercise \"preview\")",
	"flag.range.seed":     "`seed` for per-team secrets (default: the exercise's seed)",
	"flag.db":             "SQLite database `file` (default $CORDILLERA_DB or cordillera.db)",
	"flag.scorebot":       "`image` every team's scorebot runs",
	"flag.format":         "output `format`: text or json",
	"usage.format":        "--format is text or json, not %q",

	// What orchestrator does to a range, as up, reset, move, down and run
	// say it: role.* names the object, with the article Spanish needs.
	"role.host":              "host",
	"role.attacker":          "attacker",
	"role.scorebot":          "scorebot",
	"role.network":           "network",
	"role.container":         "container",
	"action.create.done":     "created %s %s",
	"action.create.todo":     "create %s %s",
	"action.remove.done":     "removed %s %s",
	"action.remove.todo":     "remove %s %s",
	"action.remove.why.done": "removed %s %s (%s)",
	"action.remove.why.todo": "remove %s %s (%s)",
	"action.internet":        "internet",
	"action.failed":          "%s failed: %s",
	"reason.notplanned":      "not in the plan",
	"reason.changed":         "changed",
	"reason.notrunning":      "not running",
	"reason.duplicate":       "duplicate",

	"deploy.noseed":     "no seed: set seed = \"...\" in the exercise or pass --seed; the teams' secrets derive from it, so it must stay the same from one up to the next",
	"deploy.both":       "give a scenario or --exercise, not both: the exercise names its scenario",
	"deploy.teams":      "--teams is from 1 to 1000, not %s",
	"deploy.noscenario": "name one scenario folder or bundled scenario, or give --exercise FILE",
	"deploy.fix.plan":   "No plan: fix the errors above, then run %s again.",
	"deploy.fix.deploy": "No deployment: fix the errors above, then run %s again.",
	"deploy.wait":       "Waiting up to %s more for every service's check to pass, from each team's scorebot:",
	"deploy.wait.move":  "Waiting up to %s for every service's check to pass, from the team's scorebot:",
	"deploy.ready":      "ready",
	"deploy.notready":   "NOT READY team %q %s/%s: %s",
	"deploy.allready":   "Every check passes, %s after the deploy began.",
	"name.both":         "give an exercise name or --exercise FILE, not both",
	"name.none":         "No exercise name in %s: fix the errors above, or name the exercise instead.",

	"observed.exercise": "Exercise %s: %s, %s, %s",
	"observed.team":     "Team %s",
	"observed.noteam":   "(none)",
	"observed.node":     "on %s",
	"observed.network":  "network %s %s (no team)",

	"validate.args":               "[--format text|json] PATH...",
	"validate.about":              "Checks scenario folders, scenario files and exercise files, and reports every mistake with\nits place (file:line:col) and how to fix it. Exits 1 when there is an error; warnings alone pass.",
	"validate.nopath":             "name at least one scenario folder, scenario file or exercise file, such as scenarios/library",
	"validate.nosuch":             "No such file or folder",
	"validate.nosuch.detail":      "%s does not exist. Name a scenario folder, one of its .hcl files, or an exercise file.",
	"validate.nohcl":              "no .hcl files in %s or below it",
	"validate.noscenarios":        "No scenarios found",
	"validate.noscenarios.detail": "%s. Name a folder that holds a scenario's .hcl files.",
	"validate.kind.scenario":      "scenario %q (%s)",
	"validate.kind.exercise":      "exercise %q (%s)",
	"validate.invalid":            "✗ %s: %s, %s",
	"validate.valid":              "✓ %s is valid: %s",
	"validate.scenario":           "scenario %s",

	"fmt.args":       "[--check] [PATH...]",
	"fmt.about":      "Rewrites scenario and exercise files in canonical format: aligned equals signs, two-space\nindentation. Folders are searched for .hcl files. Files that do not parse are left as they are.\nWith no PATH, the current folder.",
	"flag.fmt.check": "change nothing; list the files that are not formatted and exit 1 if any",

	"up.args": "[--exercise FILE | --teams N SCENARIO] [--seed S] [--dry-run] [--scorebot-image IMAGE]",
	"up.about": "Deploys every team's range on the Docker engine: networks, hosts, attackers and scorebot. It\n" +
		"changes only what differs from the plan, so running it again resumes or repairs a deployment.\n" +
		"Images are never pulled: build them first (cordillera images build). The images of hosts and\n" +
		"attackers with a build block are built here, before any container, unless the engine has them.\n\n" +
		"SCENARIO is a scenario folder or the name of a bundled scenario, deployed as exercise \"preview\"\n" +
		"with sample teams. A seed is required, from the exercise or --seed, so that the teams' secrets\n" +
		"stay the same from one up to the next.",
	"flag.up.dryrun":       "print what would be done, and do nothing",
	"flag.up.wait":         "how long to wait for every service's check to pass; 0 to not wait",
	"up.dry.nothing":       "Nothing to change: exercise %s runs as planned.",
	"up.dry.would":         "up would, for exercise %s:",
	"up.dry.build":         "build image %s for %s %s, from %s",
	"up.nothing":           "Nothing to change: exercise %s already runs as planned.",
	"up.created":           "Created %s and %s.",
	"up.created.replacing": "Created %s and %s, replacing %s.",
	"up.deploying":         "Deploying exercise %s: %s on %s",

	"down.args":          "NAME | --exercise FILE",
	"down.about":         "Removes every container and network labelled with the exercise, and nothing else, whatever\nscenario they were deployed from. NAME is the exercise's name; with --exercise, it is read\nfrom the file, and the scenario is not needed.",
	"flag.down.exercise": "exercise `file` whose exercise to remove",
	"down.noname":        "name the exercise to remove, or give --exercise FILE",
	"down.nothing":       "Nothing to remove: no container or network of exercise %s is on %s.",
	"down.removed":       "Removed %s and %s of exercise %s.",

	"status.args":           "[NAME | --exercise FILE]",
	"status.about":          "Lists what is deployed on the Docker engine, by label: for each exercise, or only the one\nnamed, every team's containers with their role, state and addresses.",
	"flag.status.exercise":  "exercise `file` whose exercise to list",
	"status.nothing":        "Nothing of exercise %s is on %s.",
	"status.none":           "No exercise is deployed on %s.",
	"status.listnetworks":   "list networks",
	"status.listcontainers": "list containers",

	"reset.args":      "[--exercise FILE | --teams N SCENARIO] --team T --host H [--seed S]",
	"reset.about":     "Recreates one team's host from its image, with the same addresses and secrets, discarding\nwhatever was changed in it. The seed must be the one the exercise was deployed with.",
	"flag.reset.team": "`id` of the team whose host to reset",
	"flag.reset.host": "`name` of the host in the scenario",
	"reset.nohost":    "name the host to reset with --team and --host",
	"reset.done":      "Reset host %s of team %s: %s recreated from %s at %s.",

	"pool.taken": "The address pool %s kept for exercise %s is used by the network %s now, and the exercise had no range yet: its teams get their subnets from %s instead.",
	"pool.free":  "Exercise %s's teams get their subnets from %s, a free block of this engine's addresses: those from %s on, which plan shows, are in use. Set address_pool in the exercise to choose the range yourself.",

	"kept.errors":   "its scenario has errors",
	"kept.exercise": "exercise %s",
	"kept.broken":   "Exercise %s cannot be planned from the copy of its scenario kept in the database: the errors above say why.",
	"kept.late":     "Exercise %s was made before Cordillera kept its scenario with it: the scenario is copied now, as %s is now, and every later run or control of the exercise plans from this copy.",
	"kept.gone":     "The scenario %s of exercise %s cannot be loaded now: the exercise goes on with the copy the database keeps.",
	"kept.changed":  "The scenario %s has changed since exercise %s was made (%s): the exercise goes on with the copy the database keeps.",

	"run.args": "--exercise FILE [--db FILE] [--speed N] [--no-deploy] [--down]",
	"run.about": "Runs a whole exercise headless: deploys every team's range (as up does), starts the clock,\n" +
		"and runs the scorebot's rounds, the attacks and the injects until the exercise ends, with a\n" +
		"live view of the clock, the scores and the last events. Everything is kept in the database:\n" +
		"stopped (Ctrl-C, or killed) and run again, the exercise goes on where it was.",
	"flag.run.speed":    "speed `factor` when starting: 60 runs an hour in a minute (default: the exercise's)",
	"flag.run.nodeploy": "do not deploy: the ranges are up already",
	"flag.run.down":     "tear the ranges down when the exercise ends",
	"flag.run.wait":     "how long to wait for every service's check to pass before starting",
	"flag.run.view":     "live `view`: screen (redrawn), lines (one line per event) or auto",
	"run.noexercise":    "run needs --exercise FILE: an exercise names its teams and countries",
	"run.speed":         "--speed must be more than 0, not %s",
	"run.ended":         "Exercise %s has ended.",
	"run.resuming":      "Exercise %s was paused at %s; resuming it.",
	"run.takingup":      "Exercise %s is running since %s; taking it up at %s.",
	"run.stopped":       "Stopped. Exercise %s goes on where it was with the same command.",
	"run.over":          "Exercise %[1]s has ended. Export it with: cordillera export --db %[2]s --exercise %[1]s",
	"run.teardown":      "Tearing down exercise %s",
	"run.lastevents":    "Last events",
	"clock.created":     "created",
	"clock.running":     "running",
	"clock.paused":      "paused",
	"clock.ended":       "ended",
	"clock.halted":      "KILL SWITCH ON",
	"clock.approval":    "attacks wait for approval",

	"control.args":  "--exercise FILE [--db FILE] [--as NAME] ACTION [ARGS...]",
	"control.about": "An instructor's hands on a running exercise. The engine (cordillera run) reads what is\nwritten here from the database within a second; each action is logged with its author.",
	"control.actions": `ACTION is one of:
  status                      the clock, attacks waiting for approval, the last events
  pause [REASON]              stop the clock
  resume                      start it again
  end [REASON]                end the exercise
  speed FACTOR                change the speed factor
  halt [REASON]               the kill switch: stop every running attack, start none
  release                     let attacks start again
  approval on|off             make every attack wait for approval, or not
  approve ID                  let an attack waiting for approval run
  skip ID [REASON]            an attack waiting for approval does not run
  skip TEAM ATTACK [REASON]   a timeline attack not due yet does not run
  fire TEAM ATTACK [--again]  run an attack against a team now; one that already ran
                              against the team is fired again (and scored again) only
                              with --again
  deliver TEAM INJECT         deliver an inject now`,
	"flag.control.as":         "the instructor's `name`, logged with the action",
	"flag.control.again":      "fire: fire an attack that already ran against the team again; the team is scored again",
	"control.noaction":        "control needs --exercise FILE and an action\n\n%s",
	"control.nodb":            "no database at %s: start the exercise with cordillera run first, or name the file with --db",
	"control.noexercise":      "exercise %s is not in %s: start it with cordillera run first",
	"control.done":            "Done: %s.",
	"control.needs":           "%s needs %s",
	"control.need.factor":     "a FACTOR",
	"control.need.onoff":      "on or off",
	"control.need.id":         "the ID of an attack waiting for approval (see status)",
	"control.need.idorattack": "an ID, or TEAM ATTACK",
	"control.need.attack":     "TEAM ATTACK",
	"control.need.inject":     "TEAM INJECT",
	"control.badspeed":        "speed %q: want a number more than 0",
	"control.badapproval":     "approval takes on or off",
	"control.badid":           "approve %q: want the number status shows",
	"control.unknown":         "unknown action %q\n\n%s",
	"control.alreadyran":      "attack %s has already run against team %s (%d×), and firing it again scores the team again: nothing was fired; add --again to fire it again",
	"control.refired":         "Attack %s against team %s is queued again (re-fire; it had run %d×) as run %s; the engine starts it within a second.",
	"control.fired":           "Attack %s against team %s is queued as run %s; the engine starts it within a second.",
	"control.status":          "Exercise %s: %s at %s, speed ×%s",
	"control.header":          "ID\tTEAM\tATTACK\tSTATE\tDUE",

	"images.usage": "Usage: cordillera images bootstrap|build [options]\n\n" +
		"bootstrap  build the Debian base image (debian:bookworm-slim) from a Debian package mirror,\n" +
		"           so that images can be built with no registry\n" +
		"build      build the images of scenarios/images, each folder with a Dockerfile",
	"images.unknown": "unknown images command %q",
	"bootstrap.args": "[--mirror URL] [--suite NAME] [--force]",
	"bootstrap.about": "Builds a minimal Debian image with debootstrap from a Debian package mirror and imports it into\n" +
		"the Docker engine as %s, so that Dockerfiles starting\n" +
		"FROM debian:bookworm-slim build with no registry. Needs root and the debootstrap package.\n" +
		"Does nothing when the image exists.",
	"flag.bootstrap.mirror": "Debian `mirror` URL (default: the one this machine's apt uses)",
	"flag.bootstrap.suite":  "Debian release `name`",
	"flag.bootstrap.force":  "build the image even when it exists",
	"bootstrap.built":       "Built %s in %s.",
	"build.args":            "[--dir DIR] [--force] [NAME...]",
	"build.about": "Builds the images the bundled drills use, one per folder of DIR holding a Dockerfile, tagged\n" +
		"cordillera/NAME:1. An image built from the same files is not built again. Recipes starting\n" +
		"FROM debian:bookworm-slim need `cordillera images bootstrap` first.",
	"flag.build.dir":   "`folder` of image recipes",
	"flag.build.force": "build every image even when it is up to date",
	"build.noimage":    "no image %q in %s; there are: %s",

	"export.args":          "--exercise NAME [--what standings|ledger|statistics|stix] [--format csv|json] [--db FILE] [-o FILE]",
	"export.about":         "Writes an exercise's standings, score ledger, statistics, or its attack runs and matched\nreports as a STIX 2.1 bundle. --what trends covers every exercise in the database and takes\nno --exercise.",
	"flag.export.exercise": "exercise `name`",
	"flag.export.what":     "what to export: standings, ledger, statistics, trends or stix",
	"flag.export.format":   "`format`: csv or json (stix is always json)",
	"flag.export.o":        "write to `file` instead of standard output",
	"export.nodb":          "no database at %s: name it with --db or CORDILLERA_DB",

	"nodes.about": "Lists the nodes of the swarm Cordillera runs exercises on: their state, how Cordillera reaches\n" +
		"their engines, what they have, what the teams placed on them reserve, how many of the\n" +
		"exercises' containers run there, and which teams they hold. A node that cannot take teams\n" +
		"says why.",
	"nodes.single":  "the engine at %s is a single engine, not the manager of a swarm whose nodes carry the cordillera.engine label: every team runs on it; docs/operations.md (\"Beyond one machine\") says how to spread teams over a swarm",
	"nodes.noargs":  "nodes takes no arguments",
	"nodes.swarm":   "Swarm at %s: %s",
	"nodes.header":  "NODE\tSTATE\tROLE\tENGINE\tCPUS\tMEMORY\tRESERVED\tRUNNING\tTEAMS",
	"nodes.worker":  "worker",
	"nodes.manager": "manager",
	"nodes.cpus":    "%s CPUs",
	"nodes.noteam":  "%s takes no team: %s.",

	"move.args": "[--exercise FILE | --teams N SCENARIO] --team T --to NODE [--seed S]",
	"move.about": "Moves a team to another node of the swarm: its containers are removed where they are and\n" +
		"created again on NODE from their images, with the same addresses and secrets; the team's\n" +
		"ledger is left as it is. For a team whose node was lost: once the node is removed from the\n" +
		"swarm (docker node rm --force NODE), the swarm frees its addresses and the team can move.\n" +
		"It waits until every service of the team's checks passes again.",
	"flag.move.team":     "`id` of the team to move",
	"flag.move.to":       "`node` to move it to, by name or ID (see cordillera nodes)",
	"flag.move.wait":     "how long to wait for the team's checks to pass; 0 to not wait",
	"flag.move.scorebot": "`image` the team's scorebot runs",
	"move.noteam":        "name the team with --team and its new node with --to",
	"move.noteamin":      "exercise %s has no team %q; its teams are %s",
	"move.moving":        "Moving team %s of exercise %s to node %s",
	"move.moved":         "Team %s runs on node %s (%s); its ledger is as it was.",

	"shell.args": "[--exercise FILE | --teams N SCENARIO] --team T --host H [-- CMD ARGS...]",
	"shell.about": "Opens a shell on one team's host, or runs CMD there. The shell is the host's `shell` in the\n" +
		"scenario (/bin/bash unless it says otherwise); --host may also name the team's attacker, whose\n" +
		"shell is /bin/sh. Only a deployed team's host is reachable: run cordillera up first.\n\n" +
		"On a terminal, the session is interactive and follows the terminal's size. Otherwise (a pipe,\n" +
		"a script, CI) there is no terminal: standard input goes to the command, its output and errors\n" +
		"come back on standard output and error, and cordillera exits with the command's exit code.",
	"flag.shell.team":   "`id` of the team whose host to reach",
	"flag.shell.host":   "`name` of the host, or attacker, in the scenario",
	"shell.nohost":      "name the host to reach with --team and --host",
	"shell.after":       "to run %s on the host, give it after --, such as: -- %s",
	"shell.noteam":      "exercise %s has no team %q.%s Its teams are %s.",
	"shell.nohostin":    "team %s has no host %q.%s Its hosts are %s.",
	"shell.attacker":    "%s (attacker)",
	"shell.didyoumean":  "Did you mean %q?",
	"shell.what":        "%s %s of team %s",
	"shell.notdeployed": "%s is not deployed: run `%s` first",
	"shell.notrunning":  "%s is not running (%s): run `%s`, which starts it again",
	"shell.raw":         "put the terminal in raw mode",
	"shell.session":     "session",
}

// pluralsEN are the English messages whose words follow a count; "n.WORD"
// is the count with its noun, as printer.count says it.
var pluralsEN = map[string]forms{
	"n.team":      {1, "%d team", "%d teams"},
	"n.container": {1, "%d container", "%d containers"},
	"n.network":   {1, "%d network", "%d networks"},
	"n.host":      {1, "%d host", "%d hosts"},
	"n.attack":    {1, "%d attack", "%d attacks"},
	"n.inject":    {1, "%d inject", "%d injects"},
	"n.challenge": {1, "%d challenge", "%d challenges"},
	"n.error":     {1, "%d error", "%d errors"},
	"n.warning":   {1, "%d warning", "%d warnings"},
	"n.node":      {1, "%d node", "%d nodes"},
	"n.outdated":  {1, "%d outdated or stopped container", "%d outdated or stopped containers"},

	"fmt.unformatted": {1, "%d file not formatted; run cordillera fmt to fix.", "%d files not formatted; run cordillera fmt to fix."},
	"deploy.built":    {1, "Built %d image of the scenario's build blocks in %s.", "Built %d images of the scenario's build blocks in %s."},
	"build.built":     {2, "Built %d of %d image in %s.", "Built %d of %d images in %s."},
	"name.many":       {1, "name one exercise, not %d", "name one exercise, not %d"},
}
