package web

// The strings every audience sees: navigation, the home page, signing in,
// the scoreboard, the team page, statistics, accounts and errors.
var commonEN = map[string]string{
	"nav.skip": "Skip to content", "nav.label": "Main", "nav.team": "My team", "nav.join": "Join a team",
	"nav.account": "Your account", "nav.logout": "Sign out", "nav.login": "Sign in", "nav.language": "Language",
	"footer.times": "Times are shown in %s; exercise times as HH:MM:SS.",

	"home.title": "Exercises", "home.lead": "Cyber-defense exercises of the Chilean and Colombian CSIRTs.",
	"home.none": "There are no exercises yet.", "home.scenario": "scenario", "home.teams": "%d teams",
	"home.started": "started %s", "home.scoreboard": "Scoreboard", "home.manager": "Statistics and exports",
	"home.myteam": "My team", "home.signin_hint": "Trainees, instructors and managers sign in to see more.",
	"home.join_hint": "You are not in a team yet.",

	"state.created": "Not started", "state.running": "Running", "state.paused": "Paused", "state.ended": "Ended",

	"login.title": "Sign in", "login.name": "User name", "login.password": "Password", "login.submit": "Sign in",
	"login.help": "Your instructor gives you your account.", "login.failed": "Wrong user name or password.",

	"join.title": "Join a team", "join.code": "Team join code", "join.submit": "Join",
	"join.help":     "Eight letters and digits, from your instructor.",
	"join.current":  "You are in team %s of exercise %s. To change teams, ask an instructor: they move trainees.",
	"join.unknown":  "No team has this join code. Check it with your instructor.",
	"join.trainees": "Only trainees join teams.",

	"board.clock": "Exercise clock", "board.frozen": "Frozen at %s: later points are hidden",
	"board.live": "Live", "board.reconnecting": "Reconnecting…", "board.teams": "Teams", "board.team": "Team",
	"board.country": "Country", "board.total": "Total", "board.countries": "Countries", "board.nteams": "Teams",
	"board.method.sum": "sum of their teams", "board.method.mean": "mean of their teams",
	"board.events": "Latest events", "board.no_events": "Nothing has happened yet.",

	"category.availability": "Availability", "category.defense": "Defense", "category.detection": "Detection",
	"category.injects": "Injects", "category.challenges": "Challenges", "category.cooperation": "Cooperation",
	"category.penalties": "Penalties", "category.adjustments": "Adjustments",

	"country.CL": "Chile", "country.CO": "Colombia",

	"team.score": "Score", "team.rank": "Rank", "team.hosts": "Your hosts", "team.host": "Host",
	"team.addresses": "Addresses", "team.services": "Services", "team.points": "Every point and its cause",
	"team.when": "When", "team.category": "Category", "team.pts": "Points", "team.cause": "Cause",
	"team.older": "Older points", "team.no_points": "No points yet.", "team.events": "Your team's events",

	"manager.title": "Statistics and exports", "manager.live_note": "Live figures, including after a freeze.",
	"manager.downloads": "Downloads", "manager.statistics": "Statistics",
	"export.standings": "Standings", "export.ledger": "Ledger: every point", "export.statistics": "Statistics",
	"export.stix":        "Shared indicators and incidents (STIX 2.1)",
	"stats.availability": "Availability", "stats.blocked": "Attacks blocked", "stats.succeeded": "Attacks succeeded",
	"stats.detected": "Detected", "stats.ttd": "Median time to detect", "stats.answered": "Injects answered",
	"stats.ttr": "Median time to respond", "stats.overall": "All teams", "stats.late": "%d late",
	"stats.note": "Times are exercise times (HH:MM:SS).",

	"account.title": "Your account", "account.name": "User name", "account.role": "Role", "account.team": "Team",
	"account.zone": "Time zone", "account.tokens": "API tokens",
	"account.tokens_help": "A token lets a script call the JSON API as you: send it as \"Authorization: Bearer TOKEN\".",
	"account.token_once":  "Your new token. Copy it now: it is not shown again.",
	"account.token_name":  "Name", "account.created": "Created", "account.last_used": "Last used",
	"account.revoke": "Revoke", "account.create_token": "Create a token",
	"account.token_exists": "You already have a token of this name.",

	"role.instructor": "Instructor", "role.manager": "Program manager", "role.trainee": "Trainee",

	"error.title": "Error", "error.heading": "Error %d", "error.home": "Back to the exercises",
	"error.400":  "The request is not valid.",
	"error.401":  "Sign in first.",
	"error.403":  "You do not have access to this page.",
	"error.csrf": "The form expired or did not come from this site. Go back, reload the page and try again.",
	"error.404":  "There is nothing here. Check the address.",
	"error.405":  "This address does not accept this method.",
	"error.413":  "What you sent is too large.",
	"error.429":  "Too many attempts. Wait a minute and try again.",
	"error.500":  "Something went wrong on our side. The operators can find it in the server's log.",
	"error.503":  "The server is shutting down. Try again in a moment.",

	"never": "never",
}

var commonES = map[string]string{
	"nav.skip": "Ir al contenido", "nav.label": "Principal", "nav.team": "Mi equipo", "nav.join": "Unirse a un equipo",
	"nav.account": "Tu cuenta", "nav.logout": "Cerrar sesión", "nav.login": "Iniciar sesión", "nav.language": "Idioma",
	"footer.times": "Las horas se muestran en %s; los tiempos del ejercicio como HH:MM:SS.",

	"home.title": "Ejercicios", "home.lead": "Ejercicios de ciberdefensa de los CSIRT de Chile y Colombia.",
	"home.none": "Aún no hay ejercicios.", "home.scenario": "escenario", "home.teams": "%d equipos",
	"home.started": "comenzó %s", "home.scoreboard": "Marcador", "home.manager": "Estadísticas y exportaciones",
	"home.myteam": "Mi equipo", "home.signin_hint": "Participantes, instructores y gestores inician sesión para ver más.",
	"home.join_hint": "Aún no estás en un equipo.",

	"state.created": "Sin comenzar", "state.running": "En curso", "state.paused": "En pausa", "state.ended": "Terminado",

	"login.title": "Iniciar sesión", "login.name": "Nombre de usuario", "login.password": "Contraseña", "login.submit": "Entrar",
	"login.help": "Tu instructor te entrega tu cuenta.", "login.failed": "Usuario o contraseña incorrectos.",

	"join.title": "Unirse a un equipo", "join.code": "Código del equipo", "join.submit": "Unirse",
	"join.help":     "Ocho letras y dígitos, de tu instructor.",
	"join.current":  "Estás en el equipo %s del ejercicio %s. Para cambiar de equipo, pídeselo a un instructor: ellos mueven a los participantes.",
	"join.unknown":  "Ningún equipo tiene este código. Revísalo con tu instructor.",
	"join.trainees": "Solo los participantes se unen a equipos.",

	"board.clock": "Reloj del ejercicio", "board.frozen": "Congelado a las %s: los puntos posteriores están ocultos",
	"board.live": "En vivo", "board.reconnecting": "Reconectando…", "board.teams": "Equipos", "board.team": "Equipo",
	"board.country": "País", "board.total": "Total", "board.countries": "Países", "board.nteams": "Equipos",
	"board.method.sum": "suma de sus equipos", "board.method.mean": "promedio de sus equipos",
	"board.events": "Últimos eventos", "board.no_events": "Aún no ha pasado nada.",

	"category.availability": "Disponibilidad", "category.defense": "Defensa", "category.detection": "Detección",
	"category.injects": "Inyecciones", "category.challenges": "Desafíos", "category.cooperation": "Cooperación",
	"category.penalties": "Penalizaciones", "category.adjustments": "Ajustes",

	"country.CL": "Chile", "country.CO": "Colombia",

	"team.score": "Puntaje", "team.rank": "Lugar", "team.hosts": "Tus máquinas (hosts)", "team.host": "Host",
	"team.addresses": "Direcciones", "team.services": "Servicios", "team.points": "Cada punto y su causa",
	"team.when": "Cuándo", "team.category": "Categoría", "team.pts": "Puntos", "team.cause": "Causa",
	"team.older": "Puntos anteriores", "team.no_points": "Aún no hay puntos.", "team.events": "Eventos de tu equipo",

	"manager.title": "Estadísticas y exportaciones", "manager.live_note": "Cifras en vivo, incluso tras un congelamiento.",
	"manager.downloads": "Descargas", "manager.statistics": "Estadísticas",
	"export.standings": "Clasificación", "export.ledger": "Libro de puntos: cada punto", "export.statistics": "Estadísticas",
	"export.stix":        "Indicadores compartidos e incidentes (STIX 2.1)",
	"stats.availability": "Disponibilidad", "stats.blocked": "Ataques bloqueados", "stats.succeeded": "Ataques exitosos",
	"stats.detected": "Detectados", "stats.ttd": "Mediana del tiempo de detección", "stats.answered": "Inyecciones respondidas",
	"stats.ttr": "Mediana del tiempo de respuesta", "stats.overall": "Todos los equipos", "stats.late": "%d tarde",
	"stats.note": "Los tiempos son del ejercicio (HH:MM:SS).",

	"account.title": "Tu cuenta", "account.name": "Nombre de usuario", "account.role": "Rol", "account.team": "Equipo",
	"account.zone": "Zona horaria", "account.tokens": "Tokens de la API",
	"account.tokens_help": "Un token permite a un script usar la API JSON en tu nombre: envíalo como \"Authorization: Bearer TOKEN\".",
	"account.token_once":  "Tu nuevo token. Cópialo ahora: no se vuelve a mostrar.",
	"account.token_name":  "Nombre", "account.created": "Creado", "account.last_used": "Último uso",
	"account.revoke": "Revocar", "account.create_token": "Crear un token",
	"account.token_exists": "Ya tienes un token con este nombre.",

	"role.instructor": "Instructor", "role.manager": "Gestor del programa", "role.trainee": "Participante",

	"error.title": "Error", "error.heading": "Error %d", "error.home": "Volver a los ejercicios",
	"error.400":  "La solicitud no es válida.",
	"error.401":  "Primero inicia sesión.",
	"error.403":  "No tienes acceso a esta página.",
	"error.csrf": "El formulario expiró o no vino de este sitio. Vuelve atrás, recarga la página e inténtalo de nuevo.",
	"error.404":  "Aquí no hay nada. Revisa la dirección.",
	"error.405":  "Esta dirección no acepta este método.",
	"error.413":  "Lo que enviaste es demasiado grande.",
	"error.429":  "Demasiados intentos. Espera un minuto e inténtalo de nuevo.",
	"error.500":  "Algo falló de nuestro lado. Los operadores lo encuentran en el registro del servidor.",
	"error.503":  "El servidor se está deteniendo. Inténtalo de nuevo en un momento.",

	"never": "nunca",
}
