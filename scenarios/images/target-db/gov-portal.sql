-- DB_SEED=gov-portal (run with psql -v PORTAL_WEB_PASSWORD=... -v API_TOKEN=... -d portal)
CREATE ROLE portal_web LOGIN PASSWORD :'PORTAL_WEB_PASSWORD';
CREATE TABLE tramites (id serial PRIMARY KEY, titulo text NOT NULL, descripcion text NOT NULL);
INSERT INTO tramites (titulo, descripcion) VALUES
  ('Subsidio habitacional', 'Postulación al subsidio para la compra de la primera vivienda.'),
  ('Certificado de avalúo', 'Descarga del certificado de avalúo fiscal de una propiedad.'),
  ('Permiso de edificación', 'Solicitud de permiso de obra menor o mayor.'),
  ('Regularización de ampliaciones', 'Trámite simplificado para ampliaciones de hasta 25 m².');
CREATE TABLE funcionarios (id serial PRIMARY KEY, usuario text, nombre text, correo text, token_api text);
INSERT INTO funcionarios (usuario, nombre, correo, token_api) VALUES
  ('jperez', 'Juan Pérez', 'jperez@mdt.gob.example', '-'),
  ('acastro', 'Ana Castro', 'acastro@mdt.gob.example', '-'),
  ('integracion-sii', 'Cuenta de integración tributaria', 'integraciones@mdt.gob.example', :'API_TOKEN');
GRANT SELECT ON tramites, funcionarios TO portal_web;   -- the weakness: the portal needs tramites only
