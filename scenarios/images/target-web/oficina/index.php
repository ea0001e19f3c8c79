<?php
$numero = $_GET['numero_cliente'] ?? null;
?>
<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Oficina Virtual — SMAP Valle Alto</title>
</head>
<body>
<h1>Oficina Virtual — SMAP Valle Alto</h1>
<p>Servicio Municipal de Agua Potable de Valle Alto. Consulte su boleta en línea.</p>
<form method="get" action="/">
  <label>Número de cliente <input type="text" name="numero_cliente"></label>
  <button type="submit">Consultar boleta</button>
</form>
<?php if ($numero !== null): ?>
<p><strong>Servicio en mantención.</strong> Intente más tarde o llame al 600 123 4567.</p>
<?php endif; ?>
</body>
</html>
