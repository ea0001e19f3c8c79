package web

// Strings of what teams learn, and when (scoring.reveal).
var revealEN = map[string]string{
	"team.pending":      "not shown to the team yet",
	"team.pending_help": "The team sees this attack's outcome and points once its detection window has closed (scoring.reveal).",
}

var revealES = map[string]string{
	"team.pending":      "el equipo aún no lo ve",
	"team.pending_help": "El equipo ve el resultado y los puntos de este ataque cuando se cierra su ventana de detección (scoring.reveal).",
}
