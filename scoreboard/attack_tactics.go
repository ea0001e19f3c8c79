package scoreboard

import (
	"cmp"
	"regexp"
	"slices"
	"strings"
)

// This file is a compact table of MITRE ATT&CK (v16) techniques and the
// tactics they belong to: every technique the bundled scenarios use and the
// common ones, written from ATT&CK as data (nothing is downloaded). It lets
// a layer name each technique's tactic and a heat grid place it. A
// technique missing from the table still appears, with no tactic.

// ATT&CK domains a Navigator layer can be of.
const (
	DomainEnterprise = "enterprise-attack"
	DomainICS        = "ics-attack"
)

// ATTACKVersion is the ATT&CK release the tactic table follows, as a
// layer's versions.attack names it.
const ATTACKVersion = "16"

// Tactic is one ATT&CK tactic: its shortname (what a layer's technique
// entries name) and its display name.
type Tactic struct {
	Domain    string
	ShortName string
	Name      string
}

// EnterpriseTactics are the enterprise tactics in kill-chain order, the
// order of the Navigator's columns.
var EnterpriseTactics = []Tactic{
	{DomainEnterprise, "reconnaissance", "Reconnaissance"},
	{DomainEnterprise, "resource-development", "Resource Development"},
	{DomainEnterprise, "initial-access", "Initial Access"},
	{DomainEnterprise, "execution", "Execution"},
	{DomainEnterprise, "persistence", "Persistence"},
	{DomainEnterprise, "privilege-escalation", "Privilege Escalation"},
	{DomainEnterprise, "defense-evasion", "Defense Evasion"},
	{DomainEnterprise, "credential-access", "Credential Access"},
	{DomainEnterprise, "discovery", "Discovery"},
	{DomainEnterprise, "lateral-movement", "Lateral Movement"},
	{DomainEnterprise, "collection", "Collection"},
	{DomainEnterprise, "command-and-control", "Command and Control"},
	{DomainEnterprise, "exfiltration", "Exfiltration"},
	{DomainEnterprise, "impact", "Impact"},
}

// ICSTactics are the ICS tactics in kill-chain order.
var ICSTactics = []Tactic{
	{DomainICS, "initial-access", "Initial Access"},
	{DomainICS, "execution", "Execution"},
	{DomainICS, "persistence", "Persistence"},
	{DomainICS, "privilege-escalation", "Privilege Escalation"},
	{DomainICS, "evasion", "Evasion"},
	{DomainICS, "discovery", "Discovery"},
	{DomainICS, "lateral-movement", "Lateral Movement"},
	{DomainICS, "collection", "Collection"},
	{DomainICS, "command-and-control", "Command and Control"},
	{DomainICS, "inhibit-response-function", "Inhibit Response Function"},
	{DomainICS, "impair-process-control", "Impair Process Control"},
	{DomainICS, "impact", "Impact"},
}

// techniqueID is the form of an ATT&CK technique or sub-technique ID.
var techniqueID = regexp.MustCompile(`^T\d{4}(\.\d{3})?$`)

// ValidTechniqueID says whether id is an ATT&CK technique ID
// ("T1110", "T1059.004").
func ValidTechniqueID(id string) bool { return techniqueID.MatchString(id) }

// TechniqueDomain is the ATT&CK domain a technique ID belongs to: ICS
// techniques are numbered T0800–T0899, enterprise ones from T1001.
func TechniqueDomain(id string) string {
	if strings.HasPrefix(id, "T08") && ValidTechniqueID(id) {
		return DomainICS
	}
	return DomainEnterprise
}

// TechniqueInfo is what the table knows of a technique.
type TechniqueInfo struct {
	ID   string
	Name string
	// Tactics are the shortnames of its tactics in kill-chain order; none
	// when the table does not know the technique.
	Tactics []string
	Domain  string
}

// LookupTechnique returns what the table knows of a technique ID. A
// sub-technique the table lacks takes its parent's tactics (sub-techniques
// share their parent's tactics) and the parent's name; an unknown ID has
// no name and no tactic, and known is false.
func LookupTechnique(id string) (info TechniqueInfo, known bool) {
	id = strings.ToUpper(strings.TrimSpace(id))
	info = TechniqueInfo{ID: id, Domain: TechniqueDomain(id)}
	if t, ok := techniqueTable[id]; ok {
		info.Name, info.Tactics = t.name, tacticsOf(info.Domain, t.tactics)
		return info, true
	}
	if parent, _, ok := strings.Cut(id, "."); ok {
		if t, ok := techniqueTable[parent]; ok {
			info.Name, info.Tactics = t.name, tacticsOf(info.Domain, t.tactics)
			return info, true
		}
	}
	return info, false
}

// tacticsOf expands a table row's tactic codes into shortnames in
// kill-chain order.
func tacticsOf(domain, codes string) []string {
	var out []string
	for _, c := range strings.Fields(codes) {
		if domain == DomainICS {
			out = append(out, icsTacticCodes[c])
		} else {
			out = append(out, enterpriseTacticCodes[c])
		}
	}
	slices.SortFunc(out, func(a, b string) int { return cmp.Compare(tacticOrder(domain, a), tacticOrder(domain, b)) })
	return out
}

// tacticOrder is a tactic's column in its domain's kill chain; an unknown
// tactic comes after every known one.
func tacticOrder(domain, shortName string) int {
	tactics := EnterpriseTactics
	if domain == DomainICS {
		tactics = ICSTactics
	}
	for i, t := range tactics {
		if t.ShortName == shortName {
			return i
		}
	}
	return len(tactics)
}

// Codes of tactics, to keep the table below short.
var enterpriseTacticCodes = map[string]string{
	"recon": "reconnaissance", "resdev": "resource-development", "ia": "initial-access", "exec": "execution",
	"pers": "persistence", "privesc": "privilege-escalation", "evasion": "defense-evasion", "cred": "credential-access",
	"disc": "discovery", "lat": "lateral-movement", "coll": "collection", "c2": "command-and-control",
	"exfil": "exfiltration", "impact": "impact",
}

var icsTacticCodes = map[string]string{
	"ia": "initial-access", "exec": "execution", "pers": "persistence", "privesc": "privilege-escalation",
	"evasion": "evasion", "disc": "discovery", "lat": "lateral-movement", "coll": "collection",
	"c2": "command-and-control", "irf": "inhibit-response-function", "ipc": "impair-process-control", "impact": "impact",
}

type techniqueRow struct{ name, tactics string }

// techniqueTable maps technique IDs to their name and tactic codes.
// Sub-techniques are listed where their name says more than the parent's.
var techniqueTable = map[string]techniqueRow{
	// Reconnaissance
	"T1595":     {"Active Scanning", "recon"},
	"T1595.001": {"Active Scanning: Scanning IP Blocks", "recon"},
	"T1595.002": {"Active Scanning: Vulnerability Scanning", "recon"},
	"T1595.003": {"Active Scanning: Wordlist Scanning", "recon"},
	"T1592":     {"Gather Victim Host Information", "recon"},
	"T1589":     {"Gather Victim Identity Information", "recon"},
	"T1590":     {"Gather Victim Network Information", "recon"},
	"T1590.002": {"Gather Victim Network Information: DNS", "recon"},
	"T1591":     {"Gather Victim Org Information", "recon"},
	"T1593":     {"Search Open Websites/Domains", "recon"},
	"T1594":     {"Search Victim-Owned Websites", "recon"},
	"T1598":     {"Phishing for Information", "recon"},
	// Resource Development
	"T1583": {"Acquire Infrastructure", "resdev"},
	"T1584": {"Compromise Infrastructure", "resdev"},
	"T1587": {"Develop Capabilities", "resdev"},
	"T1588": {"Obtain Capabilities", "resdev"},
	"T1585": {"Establish Accounts", "resdev"},
	"T1586": {"Compromise Accounts", "resdev"},
	"T1608": {"Stage Capabilities", "resdev"},
	// Initial Access
	"T1189":     {"Drive-by Compromise", "ia"},
	"T1190":     {"Exploit Public-Facing Application", "ia"},
	"T1133":     {"External Remote Services", "ia pers"},
	"T1200":     {"Hardware Additions", "ia"},
	"T1566":     {"Phishing", "ia"},
	"T1566.001": {"Phishing: Spearphishing Attachment", "ia"},
	"T1566.002": {"Phishing: Spearphishing Link", "ia"},
	"T1091":     {"Replication Through Removable Media", "ia lat"},
	"T1195":     {"Supply Chain Compromise", "ia"},
	"T1199":     {"Trusted Relationship", "ia"},
	"T1078":     {"Valid Accounts", "ia pers privesc evasion"},
	"T1078.001": {"Valid Accounts: Default Accounts", "ia pers privesc evasion"},
	"T1078.002": {"Valid Accounts: Domain Accounts", "ia pers privesc evasion"},
	"T1078.003": {"Valid Accounts: Local Accounts", "ia pers privesc evasion"},
	"T1078.004": {"Valid Accounts: Cloud Accounts", "ia pers privesc evasion"},
	// Execution
	"T1059":     {"Command and Scripting Interpreter", "exec"},
	"T1059.001": {"Command and Scripting Interpreter: PowerShell", "exec"},
	"T1059.003": {"Command and Scripting Interpreter: Windows Command Shell", "exec"},
	"T1059.004": {"Command and Scripting Interpreter: Unix Shell", "exec"},
	"T1059.006": {"Command and Scripting Interpreter: Python", "exec"},
	"T1059.007": {"Command and Scripting Interpreter: JavaScript", "exec"},
	"T1203":     {"Exploitation for Client Execution", "exec"},
	"T1047":     {"Windows Management Instrumentation", "exec"},
	"T1053":     {"Scheduled Task/Job", "exec pers privesc"},
	"T1053.003": {"Scheduled Task/Job: Cron", "exec pers privesc"},
	"T1053.005": {"Scheduled Task/Job: Scheduled Task", "exec pers privesc"},
	"T1106":     {"Native API", "exec"},
	"T1129":     {"Shared Modules", "exec"},
	"T1204":     {"User Execution", "exec"},
	"T1569":     {"System Services", "exec"},
	"T1569.002": {"System Services: Service Execution", "exec"},
	"T1609":     {"Container Administration Command", "exec"},
	"T1610":     {"Deploy Container", "evasion exec"},
	// Persistence
	"T1098":     {"Account Manipulation", "pers privesc"},
	"T1098.004": {"Account Manipulation: SSH Authorized Keys", "pers privesc"},
	"T1136":     {"Create Account", "pers"},
	"T1136.001": {"Create Account: Local Account", "pers"},
	"T1543":     {"Create or Modify System Process", "pers privesc"},
	"T1543.002": {"Create or Modify System Process: Systemd Service", "pers privesc"},
	"T1543.003": {"Create or Modify System Process: Windows Service", "pers privesc"},
	"T1546":     {"Event Triggered Execution", "pers privesc"},
	"T1546.004": {"Event Triggered Execution: Unix Shell Configuration Modification", "pers privesc"},
	"T1547":     {"Boot or Logon Autostart Execution", "pers privesc"},
	"T1547.001": {"Boot or Logon Autostart Execution: Registry Run Keys / Startup Folder", "pers privesc"},
	"T1505":     {"Server Software Component", "pers"},
	"T1505.003": {"Server Software Component: Web Shell", "pers"},
	"T1556":     {"Modify Authentication Process", "cred evasion pers"},
	"T1574":     {"Hijack Execution Flow", "pers privesc evasion"},
	"T1037":     {"Boot or Logon Initialization Scripts", "pers privesc"},
	// Privilege Escalation
	"T1068":     {"Exploitation for Privilege Escalation", "privesc"},
	"T1548":     {"Abuse Elevation Control Mechanism", "privesc evasion"},
	"T1548.001": {"Abuse Elevation Control Mechanism: Setuid and Setgid", "privesc evasion"},
	"T1548.003": {"Abuse Elevation Control Mechanism: Sudo and Sudo Caching", "privesc evasion"},
	"T1055":     {"Process Injection", "evasion privesc"},
	"T1611":     {"Escape to Host", "privesc"},
	// Defense Evasion
	"T1027":     {"Obfuscated Files or Information", "evasion"},
	"T1036":     {"Masquerading", "evasion"},
	"T1070":     {"Indicator Removal", "evasion"},
	"T1070.002": {"Indicator Removal: Clear Linux or Mac System Logs", "evasion"},
	"T1070.003": {"Indicator Removal: Clear Command History", "evasion"},
	"T1070.004": {"Indicator Removal: File Deletion", "evasion"},
	"T1112":     {"Modify Registry", "evasion"},
	"T1140":     {"Deobfuscate/Decode Files or Information", "evasion"},
	"T1222":     {"File and Directory Permissions Modification", "evasion"},
	"T1562":     {"Impair Defenses", "evasion"},
	"T1562.001": {"Impair Defenses: Disable or Modify Tools", "evasion"},
	"T1562.004": {"Impair Defenses: Disable or Modify System Firewall", "evasion"},
	"T1564":     {"Hide Artifacts", "evasion"},
	"T1218":     {"System Binary Proxy Execution", "evasion"},
	"T1550":     {"Use Alternate Authentication Material", "evasion lat"},
	"T1550.002": {"Use Alternate Authentication Material: Pass the Hash", "evasion lat"},
	// Credential Access
	"T1110":     {"Brute Force", "cred"},
	"T1110.001": {"Brute Force: Password Guessing", "cred"},
	"T1110.002": {"Brute Force: Password Cracking", "cred"},
	"T1110.003": {"Brute Force: Password Spraying", "cred"},
	"T1110.004": {"Brute Force: Credential Stuffing", "cred"},
	"T1003":     {"OS Credential Dumping", "cred"},
	"T1003.001": {"OS Credential Dumping: LSASS Memory", "cred"},
	"T1003.008": {"OS Credential Dumping: /etc/passwd and /etc/shadow", "cred"},
	"T1552":     {"Unsecured Credentials", "cred"},
	"T1552.001": {"Unsecured Credentials: Credentials In Files", "cred"},
	"T1552.004": {"Unsecured Credentials: Private Keys", "cred"},
	"T1555":     {"Credentials from Password Stores", "cred"},
	"T1558":     {"Steal or Forge Kerberos Tickets", "cred"},
	"T1558.003": {"Steal or Forge Kerberos Tickets: Kerberoasting", "cred"},
	"T1056":     {"Input Capture", "coll cred"},
	"T1056.001": {"Input Capture: Keylogging", "coll cred"},
	"T1040":     {"Network Sniffing", "cred disc"},
	"T1557":     {"Adversary-in-the-Middle", "cred coll"},
	"T1539":     {"Steal Web Session Cookie", "cred"},
	"T1212":     {"Exploitation for Credential Access", "cred"},
	"T1111":     {"Multi-Factor Authentication Interception", "cred"},
	"T1621":     {"Multi-Factor Authentication Request Generation", "cred"},
	// Discovery
	"T1087": {"Account Discovery", "disc"},
	"T1082": {"System Information Discovery", "disc"},
	"T1083": {"File and Directory Discovery", "disc"},
	"T1016": {"System Network Configuration Discovery", "disc"},
	"T1049": {"System Network Connections Discovery", "disc"},
	"T1057": {"Process Discovery", "disc"},
	"T1069": {"Permission Groups Discovery", "disc"},
	"T1018": {"Remote System Discovery", "disc"},
	"T1046": {"Network Service Discovery", "disc"},
	"T1135": {"Network Share Discovery", "disc"},
	"T1007": {"System Service Discovery", "disc"},
	"T1033": {"System Owner/User Discovery", "disc"},
	"T1012": {"Query Registry", "disc"},
	"T1518": {"Software Discovery", "disc"},
	"T1613": {"Container and Resource Discovery", "disc"},
	// Lateral Movement
	"T1021":     {"Remote Services", "lat"},
	"T1021.001": {"Remote Services: Remote Desktop Protocol", "lat"},
	"T1021.002": {"Remote Services: SMB/Windows Admin Shares", "lat"},
	"T1021.004": {"Remote Services: SSH", "lat"},
	"T1021.006": {"Remote Services: Windows Remote Management", "lat"},
	"T1210":     {"Exploitation of Remote Services", "lat"},
	"T1570":     {"Lateral Tool Transfer", "lat"},
	"T1563":     {"Remote Service Session Hijacking", "lat"},
	"T1534":     {"Internal Spearphishing", "lat"},
	// Collection
	"T1005": {"Data from Local System", "coll"},
	"T1039": {"Data from Network Shared Drive", "coll"},
	"T1025": {"Data from Removable Media", "coll"},
	"T1074": {"Data Staged", "coll"},
	"T1114": {"Email Collection", "coll"},
	"T1119": {"Automated Collection", "coll"},
	"T1113": {"Screen Capture", "coll"},
	"T1213": {"Data from Information Repositories", "coll"},
	"T1530": {"Data from Cloud Storage", "coll"},
	"T1560": {"Archive Collected Data", "coll"},
	// Command and Control
	"T1071":     {"Application Layer Protocol", "c2"},
	"T1071.001": {"Application Layer Protocol: Web Protocols", "c2"},
	"T1071.004": {"Application Layer Protocol: DNS", "c2"},
	"T1090":     {"Proxy", "c2"},
	"T1095":     {"Non-Application Layer Protocol", "c2"},
	"T1105":     {"Ingress Tool Transfer", "c2"},
	"T1132":     {"Data Encoding", "c2"},
	"T1219":     {"Remote Access Software", "c2"},
	"T1572":     {"Protocol Tunneling", "c2"},
	"T1573":     {"Encrypted Channel", "c2"},
	"T1008":     {"Fallback Channels", "c2"},
	"T1571":     {"Non-Standard Port", "c2"},
	// Exfiltration
	"T1020":     {"Automated Exfiltration", "exfil"},
	"T1030":     {"Data Transfer Size Limits", "exfil"},
	"T1041":     {"Exfiltration Over C2 Channel", "exfil"},
	"T1048":     {"Exfiltration Over Alternative Protocol", "exfil"},
	"T1048.002": {"Exfiltration Over Alternative Protocol: Exfiltration Over Asymmetric Encrypted Non-C2 Protocol", "exfil"},
	"T1048.003": {"Exfiltration Over Alternative Protocol: Exfiltration Over Unencrypted Non-C2 Protocol", "exfil"},
	"T1567":     {"Exfiltration Over Web Service", "exfil"},
	"T1029":     {"Scheduled Transfer", "exfil"},
	// Impact
	"T1485":     {"Data Destruction", "impact"},
	"T1486":     {"Data Encrypted for Impact", "impact"},
	"T1489":     {"Service Stop", "impact"},
	"T1490":     {"Inhibit System Recovery", "impact"},
	"T1491":     {"Defacement", "impact"},
	"T1491.001": {"Defacement: Internal Defacement", "impact"},
	"T1491.002": {"Defacement: External Defacement", "impact"},
	"T1498":     {"Network Denial of Service", "impact"},
	"T1499":     {"Endpoint Denial of Service", "impact"},
	"T1529":     {"System Shutdown/Reboot", "impact"},
	"T1531":     {"Account Access Removal", "impact"},
	"T1565":     {"Data Manipulation", "impact"},
	"T1565.001": {"Data Manipulation: Stored Data Manipulation", "impact"},
	"T1496":     {"Resource Hijacking", "impact"},

	// ICS
	"T0800": {"Activate Firmware Update Mode", "irf"},
	"T0801": {"Monitor Process State", "coll"},
	"T0802": {"Automated Collection", "coll"},
	"T0803": {"Block Command Message", "irf"},
	"T0804": {"Block Reporting Message", "irf"},
	"T0806": {"Brute Force I/O", "ipc"},
	"T0812": {"Default Credentials", "lat"},
	"T0813": {"Denial of Control", "impact"},
	"T0814": {"Denial of Service", "irf"},
	"T0815": {"Denial of View", "impact"},
	"T0816": {"Device Restart/Shutdown", "irf"},
	"T0819": {"Exploit Public-Facing Application", "ia"},
	"T0822": {"External Remote Services", "ia"},
	"T0826": {"Loss of Availability", "impact"},
	"T0827": {"Loss of Control", "impact"},
	"T0828": {"Loss of Productivity and Revenue", "impact"},
	"T0829": {"Loss of View", "impact"},
	"T0831": {"Manipulation of Control", "impact"},
	"T0832": {"Manipulation of View", "impact"},
	"T0836": {"Modify Parameter", "ipc"},
	"T0840": {"Network Connection Enumeration", "disc"},
	"T0842": {"Network Sniffing", "disc"},
	"T0843": {"Program Download", "lat"},
	"T0846": {"Remote System Discovery", "disc"},
	"T0855": {"Unauthorized Command Message", "ipc"},
	"T0856": {"Spoof Reporting Message", "evasion ipc"},
	"T0859": {"Valid Accounts", "pers lat"},
	"T0861": {"Point & Tag Identification", "coll"},
	"T0866": {"Exploitation of Remote Services", "ia lat"},
	"T0869": {"Standard Application Layer Protocol", "c2"},
	"T0878": {"Alarm Suppression", "irf"},
	"T0879": {"Damage to Property", "impact"},
	"T0880": {"Loss of Safety", "impact"},
	"T0881": {"Service Stop", "irf"},
	"T0883": {"Internet Accessible Device", "ia"},
	"T0885": {"Commonly Used Port", "c2"},
	"T0886": {"Remote Services", "ia lat"},
}
