package web

// Strings of issue 13, "Trust": joining a team once, instructors moving
// trainees, re-firing an attack, deploying by the exercise's state, and
// networks open to the internet.
var trustEN = map[string]string{
	"join.locked":   "You are already in team %s of exercise %s, so a join code cannot put you in another team. Ask an instructor to move you.",
	"join.own_team": "Go to your team's page",

	"instruct.refire":         "Fire again…",
	"instruct.refire.title":   "Fire this attack again?",
	"instruct.refire.text":    "Attack %s has already run against team %s (%d×). Firing it again runs it once more and scores the team again; it is recorded as your act.",
	"instruct.refire.confirm": "Yes, fire %s against team %s again",
	"instruct.refire.submit":  "Fire again",
	"instruct.refire.cancel":  "Cancel",
	"instruct.err.refire":     "Attack %s has already run against team %s (%d×): firing it again scores the team again. Confirm the re-fire to do it.",

	"instruct.err.deploy_running": "The exercise is running: deploy before it starts, or while it is paused.",
	"instruct.err.deploy_ended":   "The exercise has ended: there is nothing to deploy for it.",

	"instruct.internet.title": "Open to the internet:",
	"instruct.internet.text":  "%s (internet = true in the scenario). Hosts on these networks, and whatever runs on them, can reach the world outside the range; every other network is sealed. Make sure this is meant before you deploy.",

	"instruct.trainees":        "Trainees",
	"instruct.trainees_help":   "A trainee joins a team with its code once; after that only an instructor moves them. Every move is kept, with your name, the time and the reason.",
	"instruct.trainee":         "Trainee",
	"instruct.no_team":         "no team",
	"instruct.no_trainees":     "No trainee is in a team of this exercise, and none is waiting for one.",
	"instruct.move_to":         "Move to",
	"instruct.move_reason":     "Reason (required, kept with the move)",
	"instruct.move":            "Move",
	"instruct.moves":           "Moves",
	"instruct.no_moves":        "No trainee has been moved into or out of this exercise's teams.",
	"instruct.moved":           "%s moved %s:",
	"instruct.ok.move":         "Trainee moved.",
	"instruct.err.trainee":     "There is no user %q.",
	"instruct.err.not_trainee": "%q is not a trainee: only trainees are in teams.",
	"instruct.err.same_team":   "%s is already there.",
	"instruct.err.move_reason": "Give a reason: it is kept with the move.",
}

var trustES = map[string]string{
	"join.locked":   "Ya estás en el equipo %s del ejercicio %s, así que un código no puede ponerte en otro equipo. Pide a un instructor que te mueva.",
	"join.own_team": "Ir a la página de tu equipo",

	"instruct.refire":         "Lanzar otra vez…",
	"instruct.refire.title":   "¿Lanzar este ataque otra vez?",
	"instruct.refire.text":    "El ataque %s ya se ejecutó contra el equipo %s (%d×). Lanzarlo otra vez lo ejecuta de nuevo y vuelve a puntuar al equipo; queda registrado como un acto tuyo.",
	"instruct.refire.confirm": "Sí, lanzar %s otra vez contra el equipo %s",
	"instruct.refire.submit":  "Lanzar otra vez",
	"instruct.refire.cancel":  "Cancelar",
	"instruct.err.refire":     "El ataque %s ya se ejecutó contra el equipo %s (%d×): lanzarlo otra vez vuelve a puntuar al equipo. Confirma el relanzamiento para hacerlo.",

	"instruct.err.deploy_running": "El ejercicio está en curso: despliega antes de iniciarlo o mientras está en pausa.",
	"instruct.err.deploy_ended":   "El ejercicio terminó: no hay nada que desplegar para él.",

	"instruct.internet.title": "Abierta a internet:",
	"instruct.internet.text":  "%s (internet = true en el escenario). Las máquinas de estas redes, y lo que corra en ellas, pueden llegar al mundo fuera del rango; todas las demás redes están selladas. Asegúrate de que sea intencional antes de desplegar.",

	"instruct.trainees":        "Participantes",
	"instruct.trainees_help":   "Un participante se une a un equipo con su código una sola vez; después solo un instructor lo mueve. Cada movimiento queda registrado, con tu nombre, la hora y el motivo.",
	"instruct.trainee":         "Participante",
	"instruct.no_team":         "sin equipo",
	"instruct.no_trainees":     "Ningún participante está en un equipo de este ejercicio ni espera uno.",
	"instruct.move_to":         "Mover a",
	"instruct.move_reason":     "Motivo (obligatorio, queda con el movimiento)",
	"instruct.move":            "Mover",
	"instruct.moves":           "Movimientos",
	"instruct.no_moves":        "Ningún participante ha sido movido hacia o desde los equipos de este ejercicio.",
	"instruct.moved":           "%s movió a %s:",
	"instruct.ok.move":         "Participante movido.",
	"instruct.err.trainee":     "No existe el usuario %q.",
	"instruct.err.not_trainee": "%q no es participante: solo los participantes están en equipos.",
	"instruct.err.same_team":   "%s ya está ahí.",
	"instruct.err.move_reason": "Indica un motivo: queda registrado con el movimiento.",
}
