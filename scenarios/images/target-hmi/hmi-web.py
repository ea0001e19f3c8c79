#!/usr/bin/python3
"""Web HMI of the SMAP Valle Alto treatment plant (Cordillera target-hmi).

On every GET / it reads the PLC over Modbus/TCP (PLC_HOST, PLC_PORT, unit
PLC_UNIT, 2 s timeout) and renders the values. It never writes.
"""
import html
import os
import socket
import struct
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PLC_HOST = os.environ.get("PLC_HOST", "127.0.0.1")
PLC_PORT = int(os.environ.get("PLC_PORT", "502") or "502")
PLC_UNIT = int(os.environ.get("PLC_UNIT", "1") or "1")
HMI_PORT = int(os.environ.get("HMI_PORT", "8080") or "8080")
TIMEOUT = 2.0


class ModbusError(Exception):
    pass


class PlcClient:
    """A minimal Modbus/TCP client for read function codes 1-4."""

    def __init__(self, host, port, unit, timeout):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.settimeout(timeout)
        self.unit = unit
        self.tid = 0

    def close(self):
        self.sock.close()

    def _recv(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ModbusError("connection closed")
            buf += chunk
        return buf

    def read(self, fc, start, count):
        self.tid = (self.tid + 1) & 0xFFFF
        pdu = struct.pack(">BHH", fc, start, count)
        self.sock.sendall(struct.pack(">HHHB", self.tid, 0, len(pdu) + 1, self.unit) + pdu)
        tid, _pid, length, _unit = struct.unpack(">HHHB", self._recv(7))
        body = self._recv(length - 1)
        if tid != self.tid:
            raise ModbusError("transaction id mismatch")
        if body[0] & 0x80:
            raise ModbusError("exception %d" % body[1])
        data = body[2:2 + body[1]]
        if fc in (1, 2):
            return [(data[i // 8] >> (i % 8)) & 1 for i in range(count)]
        return list(struct.unpack(">%dH" % count, data[:2 * count]))


def read_plc():
    c = PlcClient(PLC_HOST, PLC_PORT, PLC_UNIT, TIMEOUT)
    try:
        return {
            "holding": c.read(3, 0, 5),
            "coils": c.read(1, 0, 3),
            "inputs": c.read(4, 0, 3),
            "discrete": c.read(2, 0, 1),
        }
    finally:
        c.close()


def mgl(tenths):
    return ("%.1f" % (tenths / 10.0))


def render():
    try:
        v = read_plc()
        error = None
    except (OSError, ModbusError, struct.error, IndexError) as e:
        v = None
        error = str(e)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    rows = []
    if v:
        h, co, i, d = v["holding"], v["coils"], v["inputs"], v["discrete"]
        marcha = lambda b: "EN MARCHA" if b else "DETENIDA"
        rows = [
            "Consigna de cloro: %s mg/L" % mgl(h[3]),
            "Cloro libre medido: %s mg/L" % mgl(i[1]),
            "Umbral de alarma de cloro: %s mg/L" % mgl(h[4]),
            "Alarma cloro alto: %s" % ("ACTIVA" if d[0] else "normal"),
            "Bomba dosificadora de cloro: %s" % ("HABILITADA" if co[2] else "DESHABILITADA"),
            "Bomba P1: %s" % marcha(co[0]),
            "Bomba P2: %s" % marcha(co[1]),
            "Modo bomba P1: %s" % ("AUTO" if h[1] else "MANUAL"),
            "Modo bomba P2: %s" % ("AUTO" if h[2] else "MANUAL"),
            "Nivel estanque: %d cm" % i[0],
            "Consigna de nivel: %d cm" % h[0],
            "Caudal de salida: %d L/s" % i[2],
        ]
        estado = "Estado PLC: EN LINEA"
    else:
        estado = "Estado PLC: SIN COMUNICACION"
    body = ["<!DOCTYPE html>", "<html lang=\"es\"><head><meta charset=\"utf-8\">",
            "<meta http-equiv=\"refresh\" content=\"10\">",
            "<title>HMI Planta de Cloracion - SMAP Valle Alto</title></head><body>",
            "<h1>SMAP Valle Alto - Planta de cloracion y bombeo</h1>",
            "<p><strong>%s</strong></p>" % html.escape(estado),
            "<p>PLC %s:%d unidad %d - lectura %s</p>" % (html.escape(PLC_HOST), PLC_PORT, PLC_UNIT, stamp)]
    if rows:
        body.append("<ul>")
        body.extend("<li>%s</li>" % html.escape(r) for r in rows)
        body.append("</ul>")
    else:
        body.append("<p>Sin datos del PLC (%s)</p>" % html.escape(error or ""))
    body.append("</body></html>")
    return "\n".join(body) + "\n"


class Handler(BaseHTTPRequestHandler):
    server_version = "HMI-Planta/1.0"

    def _page(self, with_body):
        if self.path.split("?")[0] not in ("/", "/index.html"):
            self.send_error(404, "No encontrado")
            return
        data = render().encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def do_GET(self):
        self._page(True)

    def do_HEAD(self):
        self._page(False)

    def log_message(self, fmt, *args):
        sys.stderr.write("%s - - [%s] %s\n" % (self.client_address[0],
                                               self.log_date_time_string(), fmt % args))


if __name__ == "__main__":
    ThreadingHTTPServer.daemon_threads = True
    srv = ThreadingHTTPServer(("0.0.0.0", HMI_PORT), Handler)
    print("hmi-web: listening on 0.0.0.0:%d, PLC %s:%d unit %d" % (HMI_PORT, PLC_HOST, PLC_PORT, PLC_UNIT))
    srv.serve_forever()
