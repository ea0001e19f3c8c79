#!/bin/sh
# Writes 240 synthetic customers of SMAP Valle Alto (water-utility) to stdout.
awk 'BEGIN {
  srand(42);
  split("Rosa Elena,Juan Carlos,María José,Pedro Pablo,Ana María,Luis Alberto,Carmen Gloria,Jorge Andrés,Patricia,Francisco,Claudia,Sergio,Verónica,Manuel,Daniela,Ricardo,Paula,Héctor,Camila,Raúl", nom, ",");
  split("Quiroga,González,Muñoz,Rojas,Díaz,Pérez,Soto,Contreras,Silva,Martínez,Sepúlveda,Morales,Rodríguez,López,Fuentes,Hernández,Torres,Araya,Flores,Espinoza", ape, ",");
  split("Los Aromos,Las Acacias,Avenida Valle Alto,El Molino,Los Canelos,San Martín,O Higgins,Las Rosas,El Estero,Los Olivos", calle, ",");
  print "numero_cliente;nombre;documento;direccion;correo;saldo";
  print "100231;Rosa Elena Quiroga;12.345.678-5;Los Aromos 123, Valle Alto;rosa.quiroga@correo.example;18450";
  for (i = 1; i < 240; i++) {
    n = 100231 + i * 7;
    a = int(rand() * 20) + 1; b = int(rand() * 20) + 1; c = int(rand() * 20) + 1;
    rut = 6000000 + int(rand() * 18000000);
    dv = int(rand() * 10);
    nombre = nom[a] " " ape[b] " " ape[c];
    correo = tolower(ape[b]) n "@correo.example";
    gsub(/á/, "a", correo); gsub(/é/, "e", correo); gsub(/í/, "i", correo); gsub(/ó/, "o", correo); gsub(/ú/, "u", correo); gsub(/ñ/, "n", correo);
    dir = calle[int(rand() * 10) + 1] " " int(rand() * 2000 + 1) ", Valle Alto";
    saldo = int(rand() * 60000);
    printf "%d;%s;%d-%d;%s;%s;%d\n", n, nombre, rut, dv, dir, correo, saldo;
  }
}'
