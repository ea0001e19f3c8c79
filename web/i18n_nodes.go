package web

// The strings of the swarm's nodes on the instructor's page.
var nodesEN = map[string]string{
	"instruct.op.move": "Move of a team to another node",
	"instruct.nodes":   "Swarm nodes",
	"instruct.nodes_help": "The teams run on the nodes of a Docker Swarm. A team whose node is lost is moved to another node " +
		"once the node is removed from the swarm (docker node rm --force NODE); its score is kept.",
	"instruct.node": "Node", "instruct.node.teams": "Teams", "instruct.node.size": "Size",
	"instruct.node.size_value": "%g CPUs, %s GiB", "instruct.node.reserved": "Memory reserved",
	"instruct.node.manager": "manager", "instruct.node.no_teams": "takes no teams",
	"instruct.node.state.ready": "ready", "instruct.node.state.down": "down", "instruct.node.state.unknown": "unknown",
	"instruct.node.state.disconnected": "disconnected",
	"instruct.node.avail.active":       "active", "instruct.node.avail.pause": "paused", "instruct.node.avail.drain": "drained",
	"instruct.host.node-down": "node down",
	"instruct.team_node":      "On node %s",
	"instruct.team_node_down": "Node %s does not answer: this team's hosts cannot be checked, and its rounds are not scored while it is away. " +
		"Bring the node back, or remove it from the swarm (docker node rm --force %[1]s) and move the team.",
	"instruct.relocate_to": "Move to node", "instruct.relocate": "Move",
	"instruct.relocate_confirm": "Move team %s to the chosen node? Its containers are created again there from their images, " +
		"and its services are down until they are ready (pause the exercise first to keep that out of the score). Its score is kept.",
	"instruct.ok.relocate": "The team is moving: the progress shows under Deployment and teardown.",
	"instruct.err.node":    "Choose the node to move the team to.",
}

var nodesES = map[string]string{
	"instruct.op.move": "Traslado de un equipo a otro nodo",
	"instruct.nodes":   "Nodos del Swarm",
	"instruct.nodes_help": "Los equipos corren en los nodos de un Docker Swarm. Un equipo cuyo nodo se pierde se traslada a otro nodo " +
		"una vez que el nodo se quita del swarm (docker node rm --force NODO); su puntaje se conserva.",
	"instruct.node": "Nodo", "instruct.node.teams": "Equipos", "instruct.node.size": "Tamaño",
	"instruct.node.size_value": "%g CPU, %s GiB", "instruct.node.reserved": "Memoria reservada",
	"instruct.node.manager": "administrador", "instruct.node.no_teams": "no recibe equipos",
	"instruct.node.state.ready": "listo", "instruct.node.state.down": "caído", "instruct.node.state.unknown": "desconocido",
	"instruct.node.state.disconnected": "desconectado",
	"instruct.node.avail.active":       "activo", "instruct.node.avail.pause": "en pausa", "instruct.node.avail.drain": "vaciado",
	"instruct.host.node-down": "nodo caído",
	"instruct.team_node":      "En el nodo %s",
	"instruct.team_node_down": "El nodo %s no responde: los hosts de este equipo no se pueden verificar y sus rondas no se puntúan mientras no vuelva. " +
		"Recupera el nodo, o quítalo del swarm (docker node rm --force %[1]s) y traslada el equipo.",
	"instruct.relocate_to": "Trasladar al nodo", "instruct.relocate": "Trasladar",
	"instruct.relocate_confirm": "¿Trasladar el equipo %s al nodo elegido? Sus contenedores se crean de nuevo allí desde sus imágenes, " +
		"y sus servicios quedan caídos hasta que estén listos (pausa el ejercicio antes para que eso no cuente en el puntaje). Su puntaje se conserva.",
	"instruct.ok.relocate": "El equipo se está trasladando: el avance se muestra en Despliegue y desmontaje.",
	"instruct.err.node":    "Elige el nodo al que trasladar el equipo.",
}
