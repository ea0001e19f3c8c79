<!DOCTYPE html>
<html lang="es">
<head>
<meta charset="utf-8">
<title>Panel de administración - Portal Ciudadano de Trámites</title>
</head>
<body>
<h1>Panel de administración</h1>
<p>Portal Ciudadano de Trámites, Ministerio de Desarrollo Territorial.</p>
<ul>
  <li><a href="avisos.php">Avisos de la portada</a></li>
</ul>
</body>
</html>
