<?php
// Avisos de la portada: /var/lib/portal/avisos.json
$archivo = '/var/lib/portal/avisos.json';
function e($s) { return htmlspecialchars((string)$s, ENT_QUOTES, 'UTF-8'); }

function con_avisos($archivo, $cambio) {
    $fh = fopen($archivo, 'c+');
    if (!$fh) { return false; }
    flock($fh, LOCK_EX);
    $avisos = json_decode(stream_get_contents($fh) ?: '[]', true);
    if (!is_array($avisos)) { $avisos = []; }
    $avisos = $cambio($avisos);
    ftruncate($fh, 0);
    rewind($fh);
    fwrite($fh, json_encode(array_values($avisos), JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT) . "\n");
    fflush($fh);
    flock($fh, LOCK_UN);
    fclose($fh);
    return true;
}

$mensaje = '';
if ($_SERVER['REQUEST_METHOD'] === 'POST') {
    $accion = $_POST['accion'] ?? '';
    $titulo = trim($_POST['titulo'] ?? '');
    $texto  = trim($_POST['texto'] ?? '');
    if ($accion === 'publicar' && $titulo !== '') {
        $ok = con_avisos($archivo, function ($a) use ($titulo, $texto) {
            $a[] = ['fecha' => date('c'), 'titulo' => $titulo, 'texto' => $texto];
            return $a;
        });
        if (!$ok) { http_response_code(500); }
        $mensaje = $ok ? 'Aviso publicado' : 'No se pudo guardar el aviso';
    } elseif ($accion === 'borrar' && $titulo !== '') {
        $ok = con_avisos($archivo, function ($a) use ($titulo) {
            return array_filter($a, function ($x) use ($titulo) { return ($x['titulo'] ?? '') !== $titulo; });
        });
        if (!$ok) { http_response_code(500); }
        $mensaje = $ok ? 'Aviso eliminado' : 'No se pudo guardar el cambio';
    } else {
        http_response_code(400);
        $mensaje = 'Solicitud no válida';
    }
}
$avisos = json_decode(@file_get_contents($archivo) ?: '[]', true);
if (!is_array($avisos)) { $avisos = []; }
?>
<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Avisos - Panel de administración</title>
</head>
<body>
<h1>Panel de administración: avisos</h1>
<?php if ($mensaje !== ''): ?><p><strong><?= e($mensaje) ?></strong></p><?php endif; ?>
<table>
<tr><th>Fecha</th><th>Título</th><th>Texto</th></tr>
<?php foreach ($avisos as $a): ?>
<tr><td><?= e($a['fecha'] ?? '') ?></td><td><?= e($a['titulo'] ?? '') ?></td><td><?= e($a['texto'] ?? '') ?></td></tr>
<?php endforeach; ?>
</table>
<h2>Publicar un aviso</h2>
<form method="post" action="avisos.php">
  <input type="hidden" name="accion" value="publicar">
  <p><label>Título <input type="text" name="titulo"></label></p>
  <p><label>Texto <textarea name="texto"></textarea></label></p>
  <button type="submit">Publicar</button>
</form>
<h2>Eliminar un aviso</h2>
<form method="post" action="avisos.php">
  <input type="hidden" name="accion" value="borrar">
  <p><label>Título <input type="text" name="titulo"></label></p>
  <button type="submit">Eliminar</button>
</form>
<p><a href="./">Volver al panel</a></p>
</body>
</html>
