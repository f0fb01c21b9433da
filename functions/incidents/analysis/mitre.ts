import type { Evidence } from "./extract";

/**
 * The MITRE ATT&CK techniques the analyser recognises, each keyed by the evidence that shows it.
 * Every id is a real ATT&CK (Enterprise) technique. `rank` decides which technique names the root
 * cause when several match: more specific or more damaging techniques rank higher. `compromise`
 * marks techniques that mean the attacker got in (or did damage), which raises the impact.
 */
export interface Technique {
  id: string;
  name: string;
  tactic: string;
  rank: number;
  compromise: boolean;
  /** Matched against each log's text and the incident's own text (type, description, metadata). */
  pattern: RegExp;
  /** A further condition on the evidence and on what else matched (by technique id). */
  when?: (e: Evidence, matched: ReadonlySet<string>) => boolean;
  /** What the condition saw, appended to the evidence text. */
  explain?: (e: Evidence) => string;
}

/** Many distinct accounts from few addresses: credentials tried from a list, not guessed for one account. */
const manyUsersFewIps = (e: Evidence) =>
  (e.users.length >= 3 && e.users.length > e.ips.length) || /credential.?stuffing/.test(e.incidentText);

const t = (
  id: string,
  name: string,
  tactic: string,
  rank: number,
  compromise: boolean,
  pattern: RegExp,
  when?: Technique["when"],
  explain?: Technique["explain"],
) => ({ id, name, tactic, rank, compromise, pattern, when, explain }) satisfies Technique;

const FAILED_AUTH =
  /credential.?stuffing|password spray|failed password|authentication fail(?:ure|ed)|invalid (?:user|password)|login fail|failed (?:login|logon)|logon failure|brute.?force|too many (?:failed|authentication)/;

export const TECHNIQUES: readonly Technique[] = [
  t("T1110", "Brute Force", "Credential Access", 10, false, FAILED_AUTH),
  t(
    "T1110.004",
    "Brute Force: Credential Stuffing",
    "Credential Access",
    12,
    false,
    FAILED_AUTH,
    manyUsersFewIps,
    (e) => `${e.users.length} accounts from ${e.ips.length} source address(es)`,
  ),
  t(
    "T1078",
    "Valid Accounts",
    "Initial Access",
    30,
    true,
    /accepted (?:password|publickey|keyboard-interactive)|login succe|successful (?:login|logon)|logged in/,
    (_, m) => m.has("T1110"),
  ),
  t("T1046", "Network Service Discovery", "Discovery", 8, false, /port ?scan|nmap|masscan|service scan|syn scan/),
  t(
    "T1040",
    "Network Sniffing",
    "Credential Access",
    12,
    false,
    /harvest[- ]now|quantum|packet capture|traffic interception|sniff/,
  ),
  t(
    "T1562.010",
    "Impair Defenses: Downgrade Attack",
    "Defense Evasion",
    14,
    false,
    /downgrade|weak cipher|sslv3|export cipher|\brc4\b/,
  ),
  t("T1566", "Phishing", "Initial Access", 15, false, /phish/),
  t("T1498", "Network Denial of Service", "Impact", 16, false, /ddos|denial of service|syn flood|udp flood|traffic flood/),
  t(
    "T1552",
    "Unsecured Credentials",
    "Credential Access",
    18,
    false,
    /(?:api key|token|secret|credential)s? (?:leak|expos)|(?:leaked|exposed|stolen|hardcoded) (?:api key|key|token|secret|credential|password)/,
  ),
  t(
    "T1059",
    "Command and Scripting Interpreter",
    "Execution",
    20,
    true,
    /suspicious process|cmd\.exe|\/bin\/(?:ba)?sh -c|bash -i|reverse shell|nc -e/,
  ),
  t(
    "T1070",
    "Indicator Removal",
    "Defense Evasion",
    21,
    true,
    /logs? (?:were |was )?cleared|clear(?:ed)? (?:the )?(?:event )?logs?|wevtutil cl|history -c/,
  ),
  t("T1059.001", "Command and Scripting Interpreter: PowerShell", "Execution", 22, true, /powershell|pwsh|-encodedcommand/),
  t(
    "T1204.002",
    "User Execution: Malicious File",
    "Execution",
    24,
    true,
    /malware|trojan|backdoor|virus detected|malicious (?:file|attachment)/,
  ),
  t(
    "T1548",
    "Abuse Elevation Control Mechanism",
    "Privilege Escalation",
    25,
    true,
    /\bsudo\b|privilege escalation|setuid|uac bypass|elevated privileges/,
  ),
  t(
    "T1136",
    "Create Account",
    "Persistence",
    26,
    true,
    /new user: name=|useradd|(?:account|user) created|created (?:user|account)/,
  ),
  t(
    "T1021",
    "Remote Services",
    "Lateral Movement",
    27,
    true,
    /lateral movement|remote desktop|\brdp\b|psexec|wmiexec|smbexec|winrm/,
  ),
  t(
    "T1190",
    "Exploit Public-Facing Application",
    "Initial Access",
    28,
    false,
    /sql injection|\bsqli\b|union\s+select|' or '?1'?\s*=\s*'?1|\.\.\/\.\.\/|path traversal|remote code execution|exploit/,
  ),
  t(
    "T1505.003",
    "Server Software Component: Web Shell",
    "Persistence",
    33,
    true,
    /web ?shell|\bc99\b|\br57\b|cmd\.(?:jsp|aspx|php)/,
  ),
  t(
    "T1041",
    "Exfiltration Over C2 Channel",
    "Exfiltration",
    35,
    true,
    /exfiltrat|data transfer|large (?:upload|outbound)|data (?:leak|theft)/,
  ),
  t(
    "T1048",
    "Exfiltration Over Alternative Protocol",
    "Exfiltration",
    36,
    true,
    /dns tunnel|icmp tunnel|ftp upload|exfiltration over (?:dns|ftp|icmp|smtp)/,
  ),
  t("T1486", "Data Encrypted for Impact", "Impact", 40, true, /ransom|files? (?:were )?encrypted|encrypted files|\.locked\b/),
];

export interface TechniqueMatch {
  technique: Technique;
  /** How many of the gathered logs show it. */
  logs: number;
  /** Why it matched, in words (shown in `mitre_attack[].evidence`). */
  evidence: string;
}

const quote = (s: string) => `"${s.trim().slice(0, 60)}"`;

function matchOne(tech: Technique, e: Evidence): Omit<TechniqueMatch, "technique"> | null {
  let logs = 0;
  let sample: string | null = null;
  for (const text of e.logTexts) {
    const m = tech.pattern.exec(text);
    if (!m) continue;
    logs++;
    sample ??= m[0];
  }
  const own = tech.pattern.exec(e.incidentText);
  if (!logs && !own) return null;
  const parts = [
    ...(logs ? [`${logs} of ${e.logTexts.length} log(s) match ${quote(sample!)}`] : []),
    ...(own ? [`the incident mentions ${quote(own[0])}`] : []),
  ];
  return { logs, evidence: parts.join("; ") };
}

/** Every technique the evidence shows, most telling first (by rank). */
export function matchTechniques(e: Evidence): TechniqueMatch[] {
  const found = new Map<string, TechniqueMatch>();
  // Techniques with conditions on others are checked after those they depend on.
  for (const tech of [...TECHNIQUES].sort((a, b) => Number(!!a.when) - Number(!!b.when))) {
    const hit = matchOne(tech, e);
    if (!hit || (tech.when && !tech.when(e, new Set(found.keys())))) continue;
    const why = tech.explain ? `; ${tech.explain(e)}` : "";
    found.set(tech.id, { technique: tech, logs: hit.logs, evidence: hit.evidence + why });
  }
  return [...found.values()].sort((a, b) => b.technique.rank - a.technique.rank);
}

export const mitreView = (matches: TechniqueMatch[]) =>
  matches.map((m) => ({
    tactic: m.technique.tactic,
    technique_id: m.technique.id,
    technique: m.technique.name,
    evidence: m.evidence,
  }));
