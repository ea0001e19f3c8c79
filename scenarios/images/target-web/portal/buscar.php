<?php
require __DIR__ . '/config.php';
$db = pg_connect("host=$db_host dbname=$db_name user=$db_user password=$db_password connect_timeout=5");
$q = $_GET['q'] ?? '';
$res = @pg_query($db, "SELECT titulo, descripcion FROM tramites WHERE titulo ILIKE '%" . $q . "%' ORDER BY titulo");
?>
<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Búsqueda de trámites - Portal Ciudadano de Trámites</title>
</head>
<body>
<h1>Portal Ciudadano de Trámites</h1>
<h2>Resultados de la búsqueda</h2>
<form method="get" action="/buscar.php">
  <input type="text" name="q" value="<?= htmlspecialchars($q, ENT_QUOTES, 'UTF-8') ?>">
  <button type="submit">Buscar</button>
</form>
<table>
<tr><th>Trámite</th><th>Descripción</th></tr>
<?php
if ($res) {
    while ($row = pg_fetch_row($res)) {
        echo '<tr><td>' . htmlspecialchars((string)$row[0], ENT_QUOTES, 'UTF-8') . '</td><td>'
            . htmlspecialchars((string)$row[1], ENT_QUOTES, 'UTF-8') . "</td></tr>\n";
    }
}
?>
</table>
<p><a href="/">Volver al inicio</a></p>
</body>
</html>
