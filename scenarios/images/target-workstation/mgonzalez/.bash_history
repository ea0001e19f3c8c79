ls
cd Documentos
ls -l
smbclient //srv-archivos/contabilidad -U mgonzalez
cd ..
ls Descargas
smbclient //srv-archivos/contabilidad -U mgonzalez -c 'ls Pagos'
smbclient //srv-archivos/contabilidad -U mgonzalez -c 'get Pagos/nomina-pagos-noviembre.csv'
mv nomina-pagos-noviembre.csv Documentos/
cd Documentos
ls
less nomina-pagos-noviembre.csv
cd
ls
exit
