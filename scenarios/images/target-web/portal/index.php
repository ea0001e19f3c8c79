<?php
$avisos = json_decode(@file_get_contents('/var/lib/portal/avisos.json') ?: '[]', true);
if (!is_array($avisos)) { $avisos = []; }
function e($s) { return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8'); }
?>
<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Portal Ciudadano de Trámites</title>
</head>
<body>
<h1>Ministerio de Desarrollo Territorial</h1>
<h2>Portal Ciudadano de Trámites</h2>
<p>Realice sus trámites en línea, sin filas y desde su casa.</p>
<form method="get" action="/buscar.php">
  <label for="q">Buscar un trámite:</label>
  <input type="text" id="q" name="q">
  <button type="submit">Buscar</button>
</form>
<h2>Avisos</h2>
<?php foreach ($avisos as $a): ?>
<div class="aviso">
  <h3><?= e($a['titulo'] ?? '') ?></h3>
  <p><?= e($a['texto'] ?? '') ?></p>
</div>
<?php endforeach; ?>
</body>
</html>
