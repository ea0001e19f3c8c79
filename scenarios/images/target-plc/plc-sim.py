#!/usr/bin/python3
"""Simulated PLC of the chlorination and pumping station (Cordillera).

A small asyncio Modbus/TCP server: unit PLC_UNIT (default 1), function codes
1, 2, 3, 4, 5, 6, 15 and 16, no authentication. Every write is logged, one
line each, to /var/log/plc/modbus.log with the client's address.
"""
import asyncio
import datetime
import os
import random
import struct
import sys

LOG_PATH = "/var/log/plc/modbus.log"
UNIT = int(os.environ.get("PLC_UNIT", "1") or "1")
PORT = int(os.environ.get("PLC_PORT", "502") or "502")
SIZE = 100  # every table has addresses 0..99

holding = [0] * SIZE
coils = [0] * SIZE
inputs = [0] * SIZE
discrete = [0] * SIZE

holding[0:5] = [350, 1, 1, 12, 20]   # level setpoint, P1 mode, P2 mode, Cl setpoint, Cl alarm
coils[0:3] = [1, 0, 1]               # P1 running, P2 running, dosing pump enabled
inputs[0:3] = [350, 12, 85]          # tank level, free chlorine, outlet flow
discrete[0] = 0                      # high-chlorine alarm


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def log_write(fc, unit, table, addr, values, peer):
    line = "%s WRITE fc=%d unit=%d table=%s addr=%d count=%d values=%s from=%s:%d\n" % (
        now(), fc, unit, table, addr, len(values),
        ",".join(str(v) for v in values), peer[0], peer[1])
    try:
        with open(LOG_PATH, "a") as f:
            f.write(line)
    except OSError as e:
        print("plc: cannot write %s: %s" % (LOG_PATH, e), file=sys.stderr)


def pack_bits(bits):
    out = bytearray((len(bits) + 7) // 8)
    for i, b in enumerate(bits):
        if b:
            out[i // 8] |= 1 << (i % 8)
    return bytes(out)


def exc(fc, code):
    return bytes([fc | 0x80, code])


def handle(pdu, unit, peer):
    if not pdu:
        return None
    fc = pdu[0]
    data = pdu[1:]
    try:
        if fc in (1, 2, 3, 4):
            if len(data) < 4:
                return exc(fc, 3)
            start, qty = struct.unpack(">HH", data[:4])
            limit = 2000 if fc in (1, 2) else 125
            if qty < 1 or qty > limit:
                return exc(fc, 3)
            if start + qty > SIZE:
                return exc(fc, 2)
            if fc in (1, 2):
                table = coils if fc == 1 else discrete
                payload = pack_bits(table[start:start + qty])
            else:
                table = holding if fc == 3 else inputs
                payload = struct.pack(">%dH" % qty, *table[start:start + qty])
            return bytes([fc, len(payload)]) + payload
        if fc == 5:
            if len(data) < 4:
                return exc(fc, 3)
            addr, value = struct.unpack(">HH", data[:4])
            if value not in (0x0000, 0xFF00):
                return exc(fc, 3)
            if addr >= SIZE:
                return exc(fc, 2)
            coils[addr] = 1 if value == 0xFF00 else 0
            log_write(fc, unit, "coils", addr, [coils[addr]], peer)
            return bytes([fc]) + data[:4]
        if fc == 6:
            if len(data) < 4:
                return exc(fc, 3)
            addr, value = struct.unpack(">HH", data[:4])
            if addr >= SIZE:
                return exc(fc, 2)
            holding[addr] = value
            log_write(fc, unit, "holding", addr, [value], peer)
            return bytes([fc]) + data[:4]
        if fc == 15:
            if len(data) < 5:
                return exc(fc, 3)
            start, qty, nbytes = struct.unpack(">HHB", data[:5])
            if qty < 1 or qty > 1968 or nbytes != (qty + 7) // 8 or len(data) < 5 + nbytes:
                return exc(fc, 3)
            if start + qty > SIZE:
                return exc(fc, 2)
            raw = data[5:5 + nbytes]
            values = [(raw[i // 8] >> (i % 8)) & 1 for i in range(qty)]
            coils[start:start + qty] = values
            log_write(fc, unit, "coils", start, values, peer)
            return bytes([fc]) + data[:4]
        if fc == 16:
            if len(data) < 5:
                return exc(fc, 3)
            start, qty, nbytes = struct.unpack(">HHB", data[:5])
            if qty < 1 or qty > 123 or nbytes != 2 * qty or len(data) < 5 + nbytes:
                return exc(fc, 3)
            if start + qty > SIZE:
                return exc(fc, 2)
            values = list(struct.unpack(">%dH" % qty, data[5:5 + nbytes]))
            holding[start:start + qty] = values
            log_write(fc, unit, "holding", start, values, peer)
            return bytes([fc]) + data[:4]
    except Exception as e:  # never let a malformed request kill the PLC
        print("plc: error handling fc=%d from %s: %s" % (fc, peer, e), file=sys.stderr)
        return exc(fc, 4)
    return exc(fc, 1)


async def serve_client(reader, writer):
    peer = writer.get_extra_info("peername") or ("?", 0)
    try:
        while True:
            header = await reader.readexactly(7)
            tid, pid, length, unit = struct.unpack(">HHHB", header)
            if length < 2 or length > 260:
                break
            pdu = await reader.readexactly(length - 1)
            if pid != 0:
                continue
            if unit != UNIT:
                # A single device: other unit ids get "gateway target failed to respond".
                resp = exc(pdu[0] if pdu else 0, 0x0B)
            else:
                resp = handle(pdu, unit, peer)
            if resp is None:
                continue
            writer.write(struct.pack(">HHHB", tid, 0, len(resp) + 1, unit) + resp)
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def simulate():
    while True:
        await asyncio.sleep(10)
        pump_running = coils[0] or coils[1]
        # measured chlorine moves by 1 toward the dosing setpoint while dosing is enabled
        if coils[2]:
            if inputs[1] < holding[3]:
                inputs[1] += 1
            elif inputs[1] > holding[3]:
                inputs[1] -= 1
        # outlet flow
        inputs[2] = 85 if pump_running else 0
        # tank level
        if pump_running:
            inputs[0] = max(330, min(370, inputs[0] + random.choice((-1, 0, 1))))
        elif inputs[0] > 0:
            inputs[0] -= 1
        # high-chlorine alarm
        discrete[0] = 1 if inputs[1] > holding[4] else 0


async def main():
    server = await asyncio.start_server(serve_client, "0.0.0.0", PORT, reuse_address=True)
    print("plc: Modbus/TCP listening on 0.0.0.0:%d, unit %d" % (PORT, UNIT), flush=True)
    asyncio.get_running_loop().create_task(simulate())
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
