package probe

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// A DNS check asks one question of the given server, as
// `dig +short +tries=1 @server -p port name type` did: one query over UDP
// (over TCP when the answer is truncated), recursion desired, no search
// domains, and the answer section printed one record a line as +short
// prints it. Go's net.Resolver would add search domains from the
// scorebot's resolv.conf, follow CNAMEs itself and know no SOA; this is the
// handful of the protocol that dig's output needs.

var dnsTypes = map[string]uint16{
	"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28, "SRV": 33,
}

// dnsError is a reply that is not one: the detail says what came back.
type dnsError struct{ msg string }

func (e *dnsError) Error() string { return e.msg }

func runDNS(ctx context.Context, c Check) Seen {
	qtype, ok := dnsTypes[strings.ToUpper(c.DNS.Type)]
	if !ok {
		return Seen{Err: &dnsError{fmt.Sprintf("Cordillera's agent cannot ask for %q records", c.DNS.Type)}}
	}
	id := uint16(rand.Uint32())
	q, err := dnsQuery(id, c.DNS.Name, qtype)
	if err != nil {
		return Seen{Err: &dnsError{err.Error()}}
	}
	reply, err := dnsExchange(ctx, "udp", c.hostPort(), q, id)
	if err == nil && reply[2]&0x02 != 0 { // TC: the answer did not fit
		reply, err = dnsExchange(ctx, "tcp", c.hostPort(), q, id)
	}
	if err != nil {
		return Seen{Err: err}
	}
	answers, rcode, err := dnsAnswers(reply)
	if err != nil {
		return Seen{Err: &dnsError{"the server's reply is not DNS: " + err.Error()}}
	}
	return Seen{Output: strings.Join(answers, "\n"), Rcode: rcode}
}

func dnsQuery(id uint16, name string, qtype uint16) ([]byte, error) {
	b := make([]byte, 12, 64)
	binary.BigEndian.PutUint16(b[0:], id)
	b[2] = 0x01                           // RD
	binary.BigEndian.PutUint16(b[4:], 1)  // QDCOUNT
	binary.BigEndian.PutUint16(b[10:], 1) // ARCOUNT: EDNS0, as dig sends
	name = strings.TrimSuffix(name, ".")
	if len(name) > 253 {
		return nil, fmt.Errorf("the name %q is longer than DNS allows", name)
	}
	if name != "" {
		for _, label := range strings.Split(name, ".") {
			if label == "" || len(label) > 63 {
				return nil, fmt.Errorf("the name %q has an empty or too long label", name)
			}
			b = append(b, byte(len(label)))
			b = append(b, label...)
		}
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, qtype)
	b = binary.BigEndian.AppendUint16(b, 1) // IN
	// OPT: root name, type 41, UDP size 1232, no flags, no options.
	b = append(b, 0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0)
	return b, nil
}

// dnsExchange sends q and waits for the reply carrying id, until ctx ends.
func dnsExchange(ctx context.Context, network, addr string, q []byte, id uint16) ([]byte, error) {
	conn, err := dialer.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if d, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(d)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	if network == "tcp" {
		msg := binary.BigEndian.AppendUint16(nil, uint16(len(q)))
		if _, err := conn.Write(append(msg, q...)); err != nil {
			return nil, err
		}
		var n [2]byte
		if _, err := io.ReadFull(conn, n[:]); err != nil {
			return nil, err
		}
		reply := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(conn, reply); err != nil {
			return nil, err
		}
		if len(reply) < 12 || binary.BigEndian.Uint16(reply) != id {
			return nil, &dnsError{"the server's reply over TCP does not answer the query"}
		}
		return reply, nil
	}
	if _, err := conn.Write(q); err != nil {
		return nil, err
	}
	buf := make([]byte, 65535)
	for {
		n, err := conn.Read(buf)
		if err != nil {
			return nil, err
		}
		// A stray or forged datagram is not the answer: wait for ours.
		if n >= 12 && binary.BigEndian.Uint16(buf) == id && buf[2]&0x80 != 0 {
			return buf[:n], nil
		}
	}
}

// dnsAnswers renders the answer section of a reply as dig +short does.
func dnsAnswers(m []byte) ([]string, int, error) {
	if len(m) < 12 {
		return nil, 0, errors.New("shorter than a header")
	}
	rcode := int(m[3] & 0x0f)
	qd := int(binary.BigEndian.Uint16(m[4:]))
	an := int(binary.BigEndian.Uint16(m[6:]))
	off := 12
	for range qd {
		_, next, err := dnsName(m, off)
		if err != nil {
			return nil, rcode, err
		}
		off = next + 4
	}
	var out []string
	for range an {
		_, next, err := dnsName(m, off)
		if err != nil {
			return nil, rcode, err
		}
		off = next
		if off+10 > len(m) {
			return nil, rcode, errors.New("a record past the end")
		}
		typ := binary.BigEndian.Uint16(m[off:])
		rdlen := int(binary.BigEndian.Uint16(m[off+8:]))
		off += 10
		if off+rdlen > len(m) {
			return nil, rcode, errors.New("a record's data past the end")
		}
		s, err := dnsRdata(m, off, rdlen, typ)
		if err != nil {
			return nil, rcode, err
		}
		out = append(out, s)
		off += rdlen
	}
	return out, rcode, nil
}

func dnsRdata(m []byte, off, n int, typ uint16) (string, error) {
	rd := m[off : off+n]
	name := func(at int) (string, int, error) { return dnsName(m, at) }
	switch typ {
	case 1, 28: // A, AAAA
		if a, ok := netip.AddrFromSlice(rd); ok && (n == 4 || n == 16) {
			return a.String(), nil
		}
	case 2, 5, 12: // NS, CNAME, PTR
		s, _, err := name(off)
		return s, err
	case 15: // MX
		if n > 2 {
			s, _, err := name(off + 2)
			return strconv.Itoa(int(binary.BigEndian.Uint16(rd))) + " " + s, err
		}
	case 33: // SRV
		if n > 6 {
			s, _, err := name(off + 6)
			return fmt.Sprintf("%d %d %d %s", binary.BigEndian.Uint16(rd), binary.BigEndian.Uint16(rd[2:]), binary.BigEndian.Uint16(rd[4:]), s), err
		}
	case 6: // SOA
		mname, at, err := name(off)
		if err != nil {
			return "", err
		}
		rname, at, err := name(at)
		if err != nil {
			return "", err
		}
		if at+20 <= off+n {
			v := func(i int) uint32 { return binary.BigEndian.Uint32(m[at+4*i:]) }
			return fmt.Sprintf("%s %s %d %d %d %d %d", mname, rname, v(0), v(1), v(2), v(3), v(4)), nil
		}
	case 16: // TXT
		var parts []string
		for i := 0; i < n; {
			l := int(rd[i])
			if i+1+l > n {
				return "", errors.New("a TXT string past its record")
			}
			parts = append(parts, `"`+escapeText(rd[i+1:i+1+l], `"\`)+`"`)
			i += 1 + l
		}
		return strings.Join(parts, " "), nil
	}
	// RFC 3597's unknown-type form, as dig prints it.
	return fmt.Sprintf(`\# %d %s`, n, strings.ToUpper(hex.EncodeToString(rd))), nil
}

// dnsName reads a (possibly compressed) name at off, returning it as dig
// prints it (with the trailing dot) and the offset after it in place.
func dnsName(m []byte, off int) (string, int, error) {
	var b strings.Builder
	end := -1
	for jumps := 0; ; {
		if off >= len(m) {
			return "", 0, errors.New("a name past the end")
		}
		l := int(m[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			if b.Len() == 0 {
				return ".", end, nil
			}
			return b.String(), end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(m) {
				return "", 0, errors.New("a name pointer past the end")
			}
			if end < 0 {
				end = off + 2
			}
			if jumps++; jumps > 64 {
				return "", 0, errors.New("a name that points in a loop")
			}
			off = int(binary.BigEndian.Uint16(m[off:]) & 0x3fff)
		case l&0xc0 != 0:
			return "", 0, errors.New("a name with an unknown label type")
		default:
			if off+1+l > len(m) {
				return "", 0, errors.New("a label past the end")
			}
			b.WriteString(escapeText(m[off+1:off+1+l], `."\;()@$ `))
			b.WriteByte('.')
			if b.Len() > 1024 {
				return "", 0, errors.New("a name too long")
			}
			off += 1 + l
		}
	}
}

// escapeText escapes special bytes with a backslash and unprintable ones
// as \DDD, as dig does.
func escapeText(s []byte, special string) string {
	var b strings.Builder
	for _, c := range s {
		switch {
		case strings.IndexByte(special, c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x21 && c != ' ' || c > 0x7e:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
