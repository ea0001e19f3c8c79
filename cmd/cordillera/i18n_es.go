package main

// The command line's messages in Spanish, by the keys of i18n_en.go: the
// neutral Latin-American Spanish of a CSIRT in Santiago or Bogotá, in the
// impersonal or usted, with the words web/i18n_*.go uses (ejercicio,
// equipo, host, servicio, escenario, inyección, despliegue, desmontaje,
// semilla, interruptor de emergencia, nodo, puntaje).
var stringsES = map[string]string{
	"main.about":    "Cordillera ejecuta ejercicios de ciberdefensa en rangos aislados de contenedores.",
	"main.usage":    "Uso: cordillera [--lang es|en] COMANDO [opciones]",
	"main.commands": "Comandos:",
	"main.more":     "Ejecute 'cordillera COMANDO -h' para ver las opciones de un comando. Los mensajes están en español cuando LC_ALL, LC_MESSAGES o LANG comienza con es.",
	"main.unknown":  "comando desconocido %q",
	"main.lang":     "--lang es es o en, no %q",
	"flags.usage":   "Uso: cordillera %s %s",
	"flags.options": "Opciones:",
	"flags.default": "(por defecto:",
	"and":           "y",

	"cmd.validate": "revisar archivos de escenario y de ejercicio; todos los errores a la vez",
	"cmd.plan":     "mostrar lo que recibe cada equipo: redes, contenedores, cronograma",
	"cmd.fmt":      "reescribir archivos de escenario en formato canónico",
	"cmd.export":   "escribir la clasificación, el libro de puntos, las estadísticas o el STIX de un ejercicio",
	"cmd.up":       "desplegar el rango de cada equipo en el motor Docker",
	"cmd.down":     "eliminar todo lo que desplegó un ejercicio",
	"cmd.status":   "listar los ejercicios desplegados: contenedores, estado, direcciones",
	"cmd.reset":    "recrear el host de un equipo desde su imagen",
	"cmd.nodes":    "listar los nodos del swarm: estado, carga, equipos",
	"cmd.move":     "trasladar un equipo a otro nodo del swarm, con sus direcciones",
	"cmd.images":   "construir la imagen base Debian sin registro (images bootstrap)",
	"cmd.control":  "el mando del instructor sobre un ejercicio en curso: pausa, interruptor de emergencia, disparar, aprobar...",
	"cmd.run":      "ejecutar un ejercicio completo sin interfaz: despliegue, reloj, rondas, ataques, inyecciones",
	"cmd.shell":    "abrir una shell en el host de un equipo, o ejecutar allí un comando",
	"cmd.serve":    "servir la interfaz web: marcador, páginas de equipo, estadísticas, API",

	"flag.range.exercise": "`archivo` de ejercicio que nombra el escenario y sus equipos",
	"flag.range.teams":    "número de `equipos` de muestra al desplegar un ESCENARIO (ejercicio \"preview\")",
	"flag.range.seed":     "`semilla` de los secretos de cada equipo (por defecto: la semilla del ejercicio)",
	"flag.db":             "`archivo` de la base de datos SQLite (por defecto $CORDILLERA_DB o cordillera.db)",
	"flag.scorebot":       "`imagen` que ejecuta el scorebot de cada equipo",
	"flag.format":         "`formato` de salida: text o json",
	"usage.format":        "--format es text o json, no %q",

	"role.host":              "el host",
	"role.attacker":          "el atacante",
	"role.scorebot":          "el scorebot",
	"role.network":           "la red",
	"role.container":         "el contenedor",
	"action.create.done":     "se creó %s %s",
	"action.create.todo":     "crear %s %s",
	"action.remove.done":     "se eliminó %s %s",
	"action.remove.todo":     "eliminar %s %s",
	"action.remove.why.done": "se eliminó %s %s (%s)",
	"action.remove.why.todo": "eliminar %s %s (%s)",
	"action.internet":        "con internet",
	"action.failed":          "%s falló: %s",
	"reason.notplanned":      "no está en el plan",
	"reason.changed":         "cambió",
	"reason.notrunning":      "no está en ejecución",
	"reason.duplicate":       "duplicado",

	"deploy.noseed":     "no hay semilla: defina seed = \"...\" en el ejercicio o use --seed; los secretos de los equipos derivan de ella, así que debe ser la misma de un up al siguiente",
	"deploy.both":       "indique un escenario o --exercise, no ambos: el ejercicio nombra su escenario",
	"deploy.teams":      "--teams va de 1 a 1000, no %s",
	"deploy.noscenario": "nombre una carpeta de escenario o un escenario incluido, o indique --exercise ARCHIVO",
	"deploy.fix.plan":   "No hay plan: corrija los errores anteriores y vuelva a ejecutar %s.",
	"deploy.fix.deploy": "No hay despliegue: corrija los errores anteriores y vuelva a ejecutar %s.",
	"deploy.wait":       "Esperando hasta %s más a que pasen las verificaciones de cada servicio, desde el scorebot de cada equipo:",
	"deploy.wait.move":  "Esperando hasta %s a que pasen las verificaciones de cada servicio, desde el scorebot del equipo:",
	"deploy.ready":      "listo",
	"deploy.notready":   "NO LISTO equipo %q %s/%s: %s",
	"deploy.allready":   "Todas las verificaciones pasan, %s después de comenzar el despliegue.",
	"name.both":         "indique un nombre de ejercicio o --exercise ARCHIVO, no ambos",
	"name.none":         "No hay nombre de ejercicio en %s: corrija los errores anteriores, o nombre el ejercicio.",

	"observed.exercise": "Ejercicio %s: %s, %s, %s",
	"observed.team":     "Equipo %s",
	"observed.noteam":   "(ninguno)",
	"observed.node":     "en %s",
	"observed.network":  "red %s %s (sin equipo)",

	"validate.args":               "[--format text|json] RUTA...",
	"validate.about":              "Revisa carpetas de escenario, archivos de escenario y archivos de ejercicio, e informa cada error\ncon su lugar (archivo:línea:columna) y cómo corregirlo. Termina con 1 si hay algún error; las\nadvertencias solas pasan.",
	"validate.nopath":             "nombre al menos una carpeta de escenario, archivo de escenario o archivo de ejercicio, como scenarios/library",
	"validate.nosuch":             "No existe el archivo o la carpeta",
	"validate.nosuch.detail":      "%s no existe. Nombre una carpeta de escenario, uno de sus archivos .hcl, o un archivo de ejercicio.",
	"validate.nohcl":              "no hay archivos .hcl en %s ni debajo",
	"validate.noscenarios":        "No se encontraron escenarios",
	"validate.noscenarios.detail": "%s. Nombre una carpeta que contenga los archivos .hcl de un escenario.",
	"validate.kind.scenario":      "escenario %q (%s)",
	"validate.kind.exercise":      "ejercicio %q (%s)",
	"validate.invalid":            "✗ %s: %s, %s",
	"validate.valid":              "✓ %s es válido: %s",
	"validate.scenario":           "escenario %s",

	"fmt.args":       "[--check] [RUTA...]",
	"fmt.about":      "Reescribe archivos de escenario y de ejercicio en formato canónico: signos igual alineados,\nsangría de dos espacios. En las carpetas se buscan archivos .hcl. Los archivos que no se pueden\nanalizar quedan como están. Sin RUTA, la carpeta actual.",
	"flag.fmt.check": "no cambiar nada; listar los archivos sin formato y terminar con 1 si hay alguno",

	"up.args": "[--exercise ARCHIVO | --teams N ESCENARIO] [--seed S] [--dry-run] [--scorebot-image IMAGEN]",
	"up.about": "Despliega el rango de cada equipo en el motor Docker: redes, hosts, atacantes y scorebot. Solo\n" +
		"cambia lo que difiere del plan, así que ejecutarlo de nuevo reanuda o repara un despliegue.\n" +
		"Las imágenes nunca se descargan: constrúyalas antes (cordillera images build). Las imágenes de\n" +
		"hosts y atacantes con un bloque build se construyen aquí, antes de cualquier contenedor, salvo\n" +
		"que el motor ya las tenga.\n\n" +
		"ESCENARIO es una carpeta de escenario o el nombre de un escenario incluido, desplegado como el\n" +
		"ejercicio \"preview\" con equipos de muestra. Se requiere una semilla, del ejercicio o de --seed,\n" +
		"para que los secretos de los equipos sean los mismos de un up al siguiente.",
	"flag.up.dryrun":       "mostrar lo que se haría, sin hacer nada",
	"flag.up.wait":         "cuánto esperar a que pasen las verificaciones de cada servicio; 0 para no esperar",
	"up.dry.nothing":       "Nada que cambiar: el ejercicio %s funciona según el plan.",
	"up.dry.would":         "up haría, para el ejercicio %s:",
	"up.dry.build":         "construir la imagen %s para %s %s, desde %s",
	"up.nothing":           "Nada que cambiar: el ejercicio %s ya funciona según el plan.",
	"up.created":           "Se crearon %s y %s.",
	"up.created.replacing": "Se crearon %s y %s, en reemplazo de %s.",
	"up.deploying":         "Desplegando el ejercicio %s: %s en %s",

	"down.args":          "NOMBRE | --exercise ARCHIVO",
	"down.about":         "Elimina cada contenedor y red con la etiqueta del ejercicio, y nada más, sea cual sea el escenario\ndesde el que se desplegaron. NOMBRE es el nombre del ejercicio; con --exercise, se lee del archivo\ny no se necesita el escenario.",
	"flag.down.exercise": "`archivo` de ejercicio cuyo ejercicio eliminar",
	"down.noname":        "nombre el ejercicio a eliminar, o indique --exercise ARCHIVO",
	"down.nothing":       "Nada que eliminar: no hay contenedores ni redes del ejercicio %s en %s.",
	"down.removed":       "Se eliminaron %s y %s del ejercicio %s.",

	"status.args":           "[NOMBRE | --exercise ARCHIVO]",
	"status.about":          "Lista lo desplegado en el motor Docker, por etiqueta: para cada ejercicio, o solo el nombrado,\nlos contenedores de cada equipo con su rol, estado y direcciones.",
	"flag.status.exercise":  "`archivo` de ejercicio cuyo ejercicio listar",
	"status.nothing":        "No hay nada del ejercicio %s en %s.",
	"status.none":           "No hay ejercicios desplegados en %s.",
	"status.listnetworks":   "listar las redes",
	"status.listcontainers": "listar los contenedores",

	"reset.args":      "[--exercise ARCHIVO | --teams N ESCENARIO] --team E --host H [--seed S]",
	"reset.about":     "Recrea un host de un equipo desde su imagen, con las mismas direcciones y secretos, descartando\nlo que se haya cambiado en él. La semilla debe ser aquella con la que se desplegó el ejercicio.",
	"flag.reset.team": "`id` del equipo cuyo host restablecer",
	"flag.reset.host": "`nombre` del host en el escenario",
	"reset.nohost":    "nombre el host a restablecer con --team y --host",
	"reset.done":      "Se restableció el host %s del equipo %s: %s recreado desde %s en %s.",

	"pool.taken": "El pool de direcciones %s guardado para el ejercicio %s lo usa ahora la red %s, y el ejercicio aún no tenía rango: sus equipos reciben en cambio sus subredes de %s.",
	"pool.free":  "Los equipos del ejercicio %s reciben sus subredes de %s, un bloque libre de las direcciones de este motor: las desde %s, que muestra plan, están en uso. Defina address_pool en el ejercicio para elegir el rango usted mismo.",

	"kept.errors":   "su escenario tiene errores",
	"kept.exercise": "ejercicio %s",
	"kept.broken":   "El ejercicio %s no se puede planificar desde la copia de su escenario guardada en la base de datos: los errores anteriores dicen por qué.",
	"kept.late":     "El ejercicio %s se creó antes de que Cordillera guardara su escenario con él: el escenario se copia ahora, tal como está %s, y cada run o control posterior del ejercicio se planifica desde esta copia.",
	"kept.gone":     "El escenario %s del ejercicio %s no se puede cargar ahora: el ejercicio continúa con la copia que guarda la base de datos.",
	"kept.changed":  "El escenario %s cambió desde que se creó el ejercicio %s (%s): el ejercicio continúa con la copia que guarda la base de datos.",

	"run.args": "--exercise ARCHIVO [--db ARCHIVO] [--speed N] [--no-deploy] [--down]",
	"run.about": "Ejecuta un ejercicio completo sin interfaz: despliega el rango de cada equipo (como up), inicia\n" +
		"el reloj y ejecuta las rondas del scorebot, los ataques y las inyecciones hasta que el ejercicio\n" +
		"termina, con una vista en vivo del reloj, los puntajes y los últimos eventos. Todo se guarda en la\n" +
		"base de datos: detenido (Ctrl-C, o terminado) y ejecutado de nuevo, el ejercicio sigue donde estaba.",
	"flag.run.speed":    "`factor` de velocidad al iniciar: 60 ejecuta una hora en un minuto (por defecto: el del ejercicio)",
	"flag.run.nodeploy": "no desplegar: los rangos ya están arriba",
	"flag.run.down":     "desmontar los rangos cuando el ejercicio termine",
	"flag.run.wait":     "cuánto esperar a que pasen las verificaciones de cada servicio antes de iniciar",
	"flag.run.view":     "`vista` en vivo: screen (redibujada), lines (una línea por evento) o auto",
	"run.noexercise":    "run necesita --exercise ARCHIVO: un ejercicio nombra sus equipos y países",
	"run.speed":         "--speed debe ser mayor que 0, no %s",
	"run.ended":         "El ejercicio %s terminó.",
	"run.resuming":      "El ejercicio %s estaba en pausa en %s; se reanuda.",
	"run.takingup":      "El ejercicio %s está en curso desde %s; se retoma en %s.",
	"run.stopped":       "Detenido. El ejercicio %s sigue donde estaba con el mismo comando.",
	"run.over":          "El ejercicio %[1]s terminó. Expórtelo con: cordillera export --db %[2]s --exercise %[1]s",
	"run.teardown":      "Desmontando el ejercicio %s",
	"run.lastevents":    "Últimos eventos",
	"clock.created":     "sin comenzar",
	"clock.running":     "en curso",
	"clock.paused":      "en pausa",
	"clock.ended":       "terminado",
	"clock.halted":      "INTERRUPTOR DE EMERGENCIA ACTIVADO",
	"clock.approval":    "los ataques esperan aprobación",

	"control.args":  "--exercise ARCHIVO [--db ARCHIVO] [--as NOMBRE] ACCIÓN [ARGUMENTOS...]",
	"control.about": "El mando del instructor sobre un ejercicio en curso. El motor (cordillera run) lee lo que se\nescribe aquí desde la base de datos en menos de un segundo; cada acción queda registrada con su autor.",
	"control.actions": `ACCIÓN es una de:
  status                      el reloj, los ataques que esperan aprobación, los últimos eventos
  pause [MOTIVO]              detener el reloj
  resume                      reanudarlo
  end [MOTIVO]                terminar el ejercicio
  speed FACTOR                cambiar el factor de velocidad
  halt [MOTIVO]               el interruptor de emergencia: detener todo ataque en curso, no iniciar ninguno
  release                     permitir que los ataques comiencen de nuevo
  approval on|off             hacer que cada ataque espere aprobación, o no
  approve ID                  permitir que corra un ataque que espera aprobación
  skip ID [MOTIVO]            un ataque que espera aprobación no se ejecuta
  skip EQUIPO ATAQUE [MOTIVO] un ataque del cronograma aún no previsto no se ejecuta
  fire EQUIPO ATAQUE [--again] ejecutar ahora un ataque contra un equipo; uno que ya se
                              ejecutó contra el equipo se dispara de nuevo (y puntúa de
                              nuevo) solo con --again
  deliver EQUIPO INYECCIÓN    entregar ahora una inyección`,
	"flag.control.as":         "`nombre` del instructor, registrado con la acción",
	"flag.control.again":      "fire: disparar de nuevo un ataque que ya se ejecutó contra el equipo; el equipo puntúa de nuevo",
	"control.noaction":        "control necesita --exercise ARCHIVO y una acción\n\n%s",
	"control.nodb":            "no hay base de datos en %s: inicie primero el ejercicio con cordillera run, o nombre el archivo con --db",
	"control.noexercise":      "el ejercicio %s no está en %s: inícielo primero con cordillera run",
	"control.done":            "Hecho: %s.",
	"control.needs":           "%s necesita %s",
	"control.need.factor":     "un FACTOR",
	"control.need.onoff":      "on u off",
	"control.need.id":         "el ID de un ataque que espera aprobación (vea status)",
	"control.need.idorattack": "un ID, o EQUIPO ATAQUE",
	"control.need.attack":     "EQUIPO ATAQUE",
	"control.need.inject":     "EQUIPO INYECCIÓN",
	"control.badspeed":        "speed %q: se espera un número mayor que 0",
	"control.badapproval":     "approval acepta on u off",
	"control.badid":           "approve %q: se espera el número que muestra status",
	"control.unknown":         "acción desconocida %q\n\n%s",
	"control.alreadyran":      "el ataque %s ya se ejecutó contra el equipo %s (%d×), y dispararlo de nuevo hace puntuar de nuevo al equipo: no se disparó nada; agregue --again para dispararlo de nuevo",
	"control.refired":         "El ataque %s contra el equipo %s queda en cola de nuevo (se había ejecutado %d×) como ejecución %s; el motor lo inicia en menos de un segundo.",
	"control.fired":           "El ataque %s contra el equipo %s queda en cola como ejecución %s; el motor lo inicia en menos de un segundo.",
	"control.status":          "Ejercicio %s: %s en %s, velocidad ×%s",
	"control.header":          "ID\tEQUIPO\tATAQUE\tESTADO\tPREVISTO",

	"images.usage": "Uso: cordillera images bootstrap|build [opciones]\n\n" +
		"bootstrap  construir la imagen base Debian (debian:bookworm-slim) desde un espejo de paquetes\n" +
		"           Debian, para construir imágenes sin registro\n" +
		"build      construir las imágenes de scenarios/images, cada carpeta con un Dockerfile",
	"images.unknown": "comando de images desconocido %q",
	"bootstrap.args": "[--mirror URL] [--suite NOMBRE] [--force]",
	"bootstrap.about": "Construye una imagen Debian mínima con debootstrap desde un espejo de paquetes Debian y la\n" +
		"importa al motor Docker como %s, para que los Dockerfile que comienzan con\n" +
		"FROM debian:bookworm-slim se construyan sin registro. Necesita root y el paquete debootstrap.\n" +
		"No hace nada cuando la imagen existe.",
	"flag.bootstrap.mirror": "URL del `espejo` Debian (por defecto: el que usa apt en esta máquina)",
	"flag.bootstrap.suite":  "`nombre` de la versión de Debian",
	"flag.bootstrap.force":  "construir la imagen aunque exista",
	"bootstrap.built":       "Construcción lista: %s, en %s.",
	"build.args":            "[--dir CARPETA] [--force] [NOMBRE...]",
	"build.about": "Construye las imágenes que usan los ejercicios incluidos, una por cada carpeta de CARPETA con un\n" +
		"Dockerfile, con la etiqueta cordillera/NOMBRE:1. Una imagen construida desde los mismos archivos no\n" +
		"se construye de nuevo. Las recetas que comienzan con FROM debian:bookworm-slim necesitan antes\n" +
		"`cordillera images bootstrap`.",
	"flag.build.dir":   "`carpeta` de recetas de imágenes",
	"flag.build.force": "construir cada imagen aunque esté al día",
	"build.noimage":    "no hay imagen %q en %s; las que hay son: %s",

	"export.args":          "--exercise NOMBRE [--what standings|ledger|statistics|stix] [--format csv|json] [--db ARCHIVO] [-o ARCHIVO]",
	"export.about":         "Escribe la clasificación de un ejercicio, su libro de puntos, sus estadísticas, o sus ejecuciones\nde ataques y reportes asociados como un paquete STIX 2.1. --what trends abarca todos los ejercicios\nde la base de datos y no lleva --exercise.",
	"flag.export.exercise": "`nombre` del ejercicio",
	"flag.export.what":     "qué exportar: standings, ledger, statistics, trends o stix",
	"flag.export.format":   "`formato`: csv o json (stix es siempre json)",
	"flag.export.o":        "escribir en `archivo` en vez de la salida estándar",
	"export.nodb":          "no hay base de datos en %s: nómbrela con --db o CORDILLERA_DB",

	"nodes.about": "Lista los nodos del swarm en que Cordillera ejecuta ejercicios: su estado, cómo llega Cordillera\n" +
		"a sus motores, qué tienen, qué reservan los equipos ubicados en ellos, cuántos contenedores de los\n" +
		"ejercicios corren allí y qué equipos tienen. Un nodo que no puede recibir equipos dice por qué.",
	"nodes.single":  "el motor en %s es un motor único, no el administrador de un swarm cuyos nodos llevan la etiqueta cordillera.engine: todos los equipos corren en él; docs/operations.md (\"Beyond one machine\") explica cómo repartir los equipos en un swarm",
	"nodes.noargs":  "nodes no recibe argumentos",
	"nodes.swarm":   "Swarm en %s: %s",
	"nodes.header":  "NODO\tESTADO\tROL\tMOTOR\tCPU\tMEMORIA\tRESERVADO\tEN EJECUCIÓN\tEQUIPOS",
	"nodes.worker":  "trabajador",
	"nodes.manager": "administrador",
	"nodes.cpus":    "%s CPU",
	"nodes.noteam":  "%s no recibe equipos: %s.",

	"move.args": "[--exercise ARCHIVO | --teams N ESCENARIO] --team E --to NODO [--seed S]",
	"move.about": "Traslada un equipo a otro nodo del swarm: sus contenedores se eliminan donde están y se crean de\n" +
		"nuevo en NODO desde sus imágenes, con las mismas direcciones y secretos; el libro de puntos del\n" +
		"equipo queda como está. Para un equipo cuyo nodo se perdió: una vez que el nodo se quita del swarm\n" +
		"(docker node rm --force NODO), el swarm libera sus direcciones y el equipo se puede trasladar.\n" +
		"Espera hasta que las verificaciones de cada servicio del equipo pasen de nuevo.",
	"flag.move.team":     "`id` del equipo a trasladar",
	"flag.move.to":       "`nodo` al que trasladarlo, por nombre o ID (vea cordillera nodes)",
	"flag.move.wait":     "cuánto esperar a que pasen las verificaciones del equipo; 0 para no esperar",
	"flag.move.scorebot": "`imagen` que ejecuta el scorebot del equipo",
	"move.noteam":        "nombre el equipo con --team y su nuevo nodo con --to",
	"move.noteamin":      "el ejercicio %s no tiene el equipo %q; sus equipos son %s",
	"move.moving":        "Trasladando el equipo %s del ejercicio %s al nodo %s",
	"move.moved":         "El equipo %s corre en el nodo %s (%s); su libro de puntos está como estaba.",

	"shell.args": "[--exercise ARCHIVO | --teams N ESCENARIO] --team E --host H [-- COMANDO ARGUMENTOS...]",
	"shell.about": "Abre una shell en un host de un equipo, o ejecuta allí COMANDO. La shell es la `shell` del host en\n" +
		"el escenario (/bin/bash salvo que diga otra); --host también puede nombrar al atacante del equipo,\n" +
		"cuya shell es /bin/sh. Solo se alcanza el host de un equipo desplegado: ejecute antes cordillera up.\n\n" +
		"En una terminal, la sesión es interactiva y sigue el tamaño de la terminal. Si no (un pipe, un\n" +
		"script, CI) no hay terminal: la entrada estándar va al comando, su salida y sus errores vuelven por\n" +
		"la salida y el error estándar, y cordillera termina con el código de salida del comando.",
	"flag.shell.team":   "`id` del equipo cuyo host alcanzar",
	"flag.shell.host":   "`nombre` del host, o del atacante, en el escenario",
	"shell.nohost":      "nombre el host a alcanzar con --team y --host",
	"shell.after":       "para ejecutar %s en el host, indíquelo después de --, así: -- %s",
	"shell.noteam":      "el ejercicio %s no tiene el equipo %q.%s Sus equipos son %s.",
	"shell.nohostin":    "el equipo %s no tiene el host %q.%s Sus hosts son %s.",
	"shell.attacker":    "%s (atacante)",
	"shell.didyoumean":  "¿Quiso decir %q?",
	"shell.what":        "%s %s del equipo %s",
	"shell.notdeployed": "%s no está desplegado: ejecute antes `%s`",
	"shell.notrunning":  "%s no está en ejecución (%s): ejecute `%s`, que lo inicia de nuevo",
	"shell.raw":         "poner la terminal en modo raw",
	"shell.session":     "sesión",
}

// pluralsES are the Spanish messages whose words follow a count.
var pluralsES = map[string]forms{
	"n.team":      {1, "%d equipo", "%d equipos"},
	"n.container": {1, "%d contenedor", "%d contenedores"},
	"n.network":   {1, "%d red", "%d redes"},
	"n.host":      {1, "%d host", "%d hosts"},
	"n.attack":    {1, "%d ataque", "%d ataques"},
	"n.inject":    {1, "%d inyección", "%d inyecciones"},
	"n.challenge": {1, "%d desafío", "%d desafíos"},
	"n.error":     {1, "%d error", "%d errores"},
	"n.warning":   {1, "%d advertencia", "%d advertencias"},
	"n.node":      {1, "%d nodo", "%d nodos"},
	"n.outdated":  {1, "%d contenedor desactualizado o detenido", "%d contenedores desactualizados o detenidos"},

	"fmt.unformatted": {1, "%d archivo sin formato; ejecute cordillera fmt para corregirlo.", "%d archivos sin formato; ejecute cordillera fmt para corregirlos."},
	"deploy.built":    {1, "Se construyó %d imagen de los bloques build del escenario en %s.", "Se construyeron %d imágenes de los bloques build del escenario en %s."},
	"build.built":     {2, "Se construyeron %d de %d imagen en %s.", "Se construyeron %d de %d imágenes en %s."},
	"name.many":       {1, "nombre un solo ejercicio, no %d", "nombre un solo ejercicio, no %d"},
}
