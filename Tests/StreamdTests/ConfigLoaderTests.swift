import Foundation
import OrderedCollections
import StreamKit
import Testing

import StreamdCore
import StreamdHTTP

// MARK: - Expected messages

private let stageKindList = "filter, set, remove, rename, parse_timestamp, lookup, sample, dedupe, window, alert"

private func durationMessage(_ text: String) -> String {
    "expected a duration like \"250ms\", \"2s\" or \"5m\", got \"\(text)\""
}

private func listenMessage(_ text: String) -> String {
    "expected host:port like \"127.0.0.1:8080\" (port 0 picks a free one), got \"\(text)\""
}

private func nonLoopbackMessage(_ host: String) -> String {
    "refusing to listen on \(host), which is not a loopback address, without authentication: add server.auth tokens, or listen on 127.0.0.1"
}

private func pipelineNameMessage(_ name: String) -> String {
    "a pipeline name uses lowercase letters, digits, '-' and '_' (at most 64), got \"\(name)\""
}

private func issue(_ path: String, _ line: Int?, _ message: String) -> ConfigIssue {
    ConfigIssue(path: path, line: line, message: message)
}

/// One configuration text and every issue it must produce, in order.
struct ConfigCase: Sendable, CustomTestStringConvertible {
    let yaml: String
    let issues: [ConfigIssue]
    init(_ yaml: String, _ issues: ConfigIssue...) {
        self.init(yaml, issues: issues)
    }
    init(_ yaml: String, issues: [ConfigIssue]) {
        self.yaml = yaml
        self.issues = issues
    }
    var testDescription: String { issues.map { "\($0.path): \($0.message)" }.joined(separator: " | ") }
}

// MARK: - Tables

/// Unknown keys at every level, with the "did you mean" hint when a known key is close.
private let unknownKeyCases: [ConfigCase] = [
    ConfigCase("state_dri: /tmp/x", issue("state_dri", 1, "unknown key; did you mean 'state_dir'?")),
    ConfigCase("colour: red", issue("colour", 1, "unknown key")),
    ConfigCase(
        """
        server:
          listen: "127.0.0.1:8080"
        pipelnes: {}
        """,
        issue("pipelnes", 3, "unknown key; did you mean 'pipelines'?")),
    ConfigCase(
        """
        server:
          listn: "127.0.0.1:9000"
        """,
        issue("server.listn", 2, "unknown key; did you mean 'listen'?")),
    ConfigCase(
        """
        log:
          level: debug
          fromat: json
        """,
        issue("log.fromat", 3, "unknown key; did you mean 'format'?")),
    ConfigCase(
        """
        pipelines:
          p:
            bufer: 10
        """,
        issue("pipelines.p.bufer", 3, "unknown key; did you mean 'buffer'?")),
    ConfigCase(
        """
        pipelines:
          p:
            autostrat: false
        """,
        issue("pipelines.p.autostrat", 3, "unknown key; did you mean 'autostart'?")),
    ConfigCase(
        """
        pipelines:
          p:
            ingest: { max_wiat: "1s" }
        """,
        issue("pipelines.p.ingest.max_wiat", 3, "unknown key; did you mean 'max_wait'?")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - name: a
                filter: '.ok'
                worker: 2
        """,
        issue("pipelines.p.stages[0].worker", 6, "unknown key; did you mean 'workers'?")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - name: a
                filter: '.ok'
              - name: b
                set: { x: '1' }
                oredred: true
        """,
        issue("pipelines.p.stages[1].oredred", 8, "unknown key; did you mean 'ordered'?")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - lookup:
                  key: .k
                  target: .t
                  tabl: { a: 1 }
        """,
        issue("pipelines.p.stages[0].lookup.tabl", 7, "unknown key; did you mean 'table'?")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - dedupe: { key: .k, withn: "1m" }
        """,
        issue("pipelines.p.stages[0].dedupe.withn", 4, "unknown key; did you mean 'within'?")),
    ConfigCase(
        """
        pipelines:
          p:
            outputs:
              - memory: { capacty: 10 }
        """,
        issue("pipelines.p.outputs[0].memory.capacty", 4, "unknown key; did you mean 'capacity'?")),
    ConfigCase(
        """
        pipelines:
          p:
            outputs:
              - file: { path: out.ndjson, mode: append }
        """,
        issue("pipelines.p.outputs[0].file.mode", 4, "unknown key")),
    ConfigCase(
        """
        pipelines:
          p:
            outputs:
              - memory: {}
              - stdot: {}
        """,
        issue("pipelines.p.outputs[1].stdot", 5, "unknown output; use memory, file, stdout or http")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - filtr: '.ok'
        """,
        issue("pipelines.p.stages[0]", 4, "a stage needs exactly one of \(stageKindList)"),
        issue("pipelines.p.stages[0].filtr", 4, "unknown key; did you mean 'filter'?")),
]

/// Values of the wrong type.
private let wrongTypeCases: [ConfigCase] = [
    ConfigCase("server: 5", issue("server", 1, "expected a mapping, got number")),
    ConfigCase("server:\n  listen: 8080", issue("server.listen", 2, "expected a string, got number")),
    ConfigCase("state_dir: 5", issue("state_dir", 1, "expected a string, got number")),
    ConfigCase("shutdown_timeout: 30", issue("shutdown_timeout", 1, "expected a string, got number")),
    ConfigCase("log: debug", issue("log", 1, "expected a mapping, got string")),
    ConfigCase("pipelines: [a, b]", issue("pipelines", 1, "expected a mapping, got list")),
    ConfigCase("pipelines:\n  p: 5", issue("pipelines.p", 2, "expected a mapping, got number")),
    ConfigCase("pipelines:\n  p:\n    autostart: 1", issue("pipelines.p.autostart", 3, "expected true or false, got number")),
    ConfigCase("pipelines:\n  p:\n    autostart: \"true\"", issue("pipelines.p.autostart", 3, "expected true or false, got string")),
    ConfigCase("pipelines:\n  p:\n    buffer: \"10\"", issue("pipelines.p.buffer", 3, "expected a number, got string")),
    ConfigCase("pipelines:\n  p:\n    ingest: 100ms", issue("pipelines.p.ingest", 3, "expected a mapping, got string")),
    ConfigCase("pipelines:\n  p:\n    stages: { a: 1 }", issue("pipelines.p.stages", 3, "expected a list, got mapping")),
    ConfigCase("pipelines:\n  p:\n    outputs: memory", issue("pipelines.p.outputs", 3, "expected a list, got string")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: 5", issue("pipelines.p.stages[0].filter", 4, "expected an expression string, got number")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: true", issue("pipelines.p.stages[0].filter", 4, "expected an expression string, got boolean")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - 'filter'", issue("pipelines.p.stages[0]", 4, "expected a mapping, got string"),
               issue("pipelines.p.stages[0]", 4, "a stage needs exactly one of \(stageKindList)")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - name: 7\n        filter: '.ok'", issue("pipelines.p.stages[0].name", 4, "expected a string, got number")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        ordered: \"yes\"", issue("pipelines.p.stages[0].ordered", 5, "expected true or false, got string")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        workers: \"2\"", issue("pipelines.p.stages[0].workers", 5, "expected a number, got string")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - set: [a]", issue("pipelines.p.stages[0].set", 4, "expected a mapping of field: expression")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - set: {}", issue("pipelines.p.stages[0].set", 4, "expected a mapping of field: expression")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - set: { a: 1 }", issue("pipelines.p.stages[0].set.a", 4, "expected an expression string, got number")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - remove: .a", issue("pipelines.p.stages[0].remove", 4, "expected a list of field paths")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - remove: []", issue("pipelines.p.stages[0].remove", 4, "expected a list of field paths")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - remove: [.a, 5]", issue("pipelines.p.stages[0].remove[1]", 4, "expected a field path string, got number")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - rename: [.a]", issue("pipelines.p.stages[0].rename", 4, "expected a mapping of from: to field paths")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - rename: { a: 5 }", issue("pipelines.p.stages[0].rename.a", 4, "expected the new field path, got number")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - parse_timestamp: [.a]", issue("pipelines.p.stages[0].parse_timestamp", 4, "expected the field path of the timestamp")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - sample: \"0.5\"", issue("pipelines.p.stages[0].sample", 4, "expected the fraction of events to keep, above 0 and at most 1")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - sample: 0", issue("pipelines.p.stages[0].sample", 4, "expected the fraction of events to keep, above 0 and at most 1")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - sample: 1.5", issue("pipelines.p.stages[0].sample", 4, "expected the fraction of events to keep, above 0 and at most 1")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - lookup: { key: .k, target: .t, table: [a] }", issue("pipelines.p.stages[0].lookup.table", 4, "expected a mapping of key: value")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - lookup: { target: .t }", issue("pipelines.p.stages[0].lookup", 4, "lookup needs a key expression")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - lookup: { key: .k }", issue("pipelines.p.stages[0].lookup", 4, "lookup needs a target field")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - dedupe: { within: \"1m\" }", issue("pipelines.p.stages[0].dedupe", 4, "dedupe needs a key: an expression or a list of them")),
    ConfigCase("pipelines:\n  p:\n    outputs:\n      - memory: 5", issue("pipelines.p.outputs[0].memory", 4, "expected a mapping, got number")),
    ConfigCase("pipelines:\n  p:\n    outputs:\n      - file: {}", issue("pipelines.p.outputs[0].file", 4, "a file output needs a path")),
    ConfigCase("pipelines:\n  p:\n    outputs:\n      - file: { path: 5 }", issue("pipelines.p.outputs[0].file.path", 4, "expected a string, got number"),
               issue("pipelines.p.outputs[0].file", 4, "a file output needs a path")),
    ConfigCase("pipelines:\n  p:\n    outputs:\n      - memory", issue("pipelines.p.outputs[0]", 4, "expected a mapping, got string")),
]

/// Integers outside their range, or not whole.
private let outOfRangeCases: [ConfigCase] = [
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        workers: 0", issue("pipelines.p.stages[0].workers", 5, "expected a whole number from 1 to 256, got 0")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        workers: 257", issue("pipelines.p.stages[0].workers", 5, "expected a whole number from 1 to 256, got 257")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        workers: 1.5", issue("pipelines.p.stages[0].workers", 5, "expected a whole number from 1 to 256, got 1.5")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        workers: -3", issue("pipelines.p.stages[0].workers", 5, "expected a whole number from 1 to 256, got -3")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - filter: '.ok'\n        buffer: 0", issue("pipelines.p.stages[0].buffer", 5, "expected a whole number from 1 to 10000000, got 0")),
    ConfigCase("pipelines:\n  p:\n    buffer: 0", issue("pipelines.p.buffer", 3, "expected a whole number from 1 to 10000000, got 0")),
    ConfigCase("pipelines:\n  p:\n    buffer: 10000001", issue("pipelines.p.buffer", 3, "expected a whole number from 1 to 10000000, got 10000001")),
    ConfigCase("server:\n  max_body_bytes: 0", issue("server.max_body_bytes", 2, "expected a whole number from 1 to 1073741824, got 0")),
    ConfigCase("server:\n  max_body_bytes: 2147483648", issue("server.max_body_bytes", 2, "expected a whole number from 1 to 1073741824, got 2147483648")),
    ConfigCase("server:\n  max_connections: 100001", issue("server.max_connections", 2, "expected a whole number from 1 to 100000, got 100001")),
    ConfigCase("server:\n  threads: 65", issue("server.threads", 2, "expected a whole number from 1 to 64, got 65")),
    ConfigCase("pipelines:\n  p:\n    outputs:\n      - memory: { capacity: 0 }", issue("pipelines.p.outputs[0].memory.capacity", 4, "expected a whole number from 1 to 1000000, got 0")),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - dedupe: { key: .k, max_keys: 0 }", issue("pipelines.p.stages[0].dedupe.max_keys", 4, "expected a whole number from 1 to 10000000, got 0")),
]

/// Durations that do not parse.
private let badDurationCases: [ConfigCase] = [
    ConfigCase("shutdown_timeout: \"5 minutes\"", issue("shutdown_timeout", 1, durationMessage("5 minutes"))),
    ConfigCase("shutdown_timeout: \"\"", issue("shutdown_timeout", 1, durationMessage(""))),
    ConfigCase("shutdown_timeout: 30s30", issue("shutdown_timeout", 1, durationMessage("30s30"))),
    ConfigCase("pipelines:\n  p:\n    ingest: { max_wait: \"-1s\" }", issue("pipelines.p.ingest.max_wait", 3, durationMessage("-1s"))),
    ConfigCase("pipelines:\n  p:\n    stages:\n      - dedupe: { key: .k, within: 1d }", issue("pipelines.p.stages[0].dedupe.within", 4, durationMessage("1d"))),
    ConfigCase("server:\n  connection_timeout: soon", issue("server.connection_timeout", 2, durationMessage("soon"))),
]

/// `server.auth`: every mistake named at its field, and never the token itself.
private let authCases: [ConfigCase] = [
    ConfigCase("server:\n  auth: { tokens: [] }",
               issue("server.auth.tokens", 2, "expected a list of tokens, like - { token_file: /etc/streamd/ingest.token, scopes: [ingest] }")),
    ConfigCase("server:\n  auth: {}",
               issue("server.auth", 2, "auth needs tokens: a list of { token_file: PATH | token_env: NAME, scopes: [ingest, admin, metrics] }")),
    ConfigCase("server:\n  auth: { tokens: [{ token_env: STREAMD_TEST_UNSET_TOKEN, scopes: [admin] }] }",
               issue("server.auth.tokens[0].token_env", 2, "the environment variable STREAMD_TEST_UNSET_TOKEN is not set")),
    ConfigCase("server:\n  auth: { tokens: [{ token_env: HOME, token_file: /x, scopes: [admin] }] }",
               issue("server.auth.tokens[0]", 2, "a token has one of token_file and token_env, not both")),
    ConfigCase("server:\n  auth: { tokens: [{ scopes: [admin] }] }",
               issue("server.auth.tokens[0]", 2, "a token comes from token_file: PATH or token_env: NAME (never written in the configuration)")),
    ConfigCase("server:\n  auth: { tokens: [{ token_file: /nonexistent/token, scopes: [ingest] }] }",
               issue("server.auth.tokens[0].token_file", 2, "cannot read /nonexistent/token: no such file")),
    ConfigCase("server:\n  auth: { tokens: [{ token_env: PATH, scopes: [root] }] }",
               issue("server.auth.tokens[0].scopes", 2, "scopes are ingest, admin and metrics, got \"root\"")),
    ConfigCase("server:\n  auth: { tokens: [{ token_env: PATH }], public: true }",
               issue("server.auth.tokens[0].scopes", 2, "a token needs scopes: a list of ingest, admin, metrics"),
               issue("server.auth.public", 2, "unknown key")),
]

/// Window and alert stages: every mistake named at its field.
private func windowCase(_ window: String, _ issues: ConfigIssue...) -> ConfigCase {
    ConfigCase("pipelines:\n  p:\n    stages:\n      - name: w\n        window: \(window)\n", issues: issues)
}

private let windowAlertCases: [ConfigCase] = [
    windowCase("{ size: \"2s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.type", 5, "a window needs a type: tumbling, sliding or session")),
    windowCase("{ type: hopping, size: \"2s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.type", 5, "expected tumbling, sliding or session, got \"hopping\"")),
    windowCase("{ type: sliding, size: \"2s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.type", 5, "a sliding window needs a size and a slide")),
    windowCase("{ type: sliding, size: \"2s\", slide: \"3s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.slide", 5, "the slide must not be longer than the size")),
    windowCase("{ type: sliding, size: \"2s\", slide: 10, aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.slide", 5, "size and slide must both be durations or both be event counts")),
    windowCase("{ type: tumbling, size: \"-2s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.size", 5, "expected a positive duration like \"2s\" or a whole number of events"),
               issue("pipelines.p.stages[0].window.type", 5, "a tumbling window needs a size")),
    windowCase("{ type: tumbling, size: \"0.0000005s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.size", 5, "window durations are whole microseconds"),
               issue("pipelines.p.stages[0].window.type", 5, "a tumbling window needs a size")),
    windowCase("{ type: session, gap: \"1000000h\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.gap", 5, "window durations are at most 100 years"),
               issue("pipelines.p.stages[0].window.type", 5, "a session window needs a positive gap, like gap: \"30s\"")),
    windowCase("{ type: tumbling, size: \"1s\", time_field: .t, allowed_lateness: \"1.0000001s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.allowed_lateness", 5, "window durations are whole microseconds")),
    windowCase("{ type: session, aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window.type", 5, "a session window needs a positive gap, like gap: \"30s\"")),
    windowCase("{ type: tumbling, size: \"2s\" }",
               issue("pipelines.p.stages[0].window", 5, "a window needs aggregates, like { count: 'count()', avg_value: 'avg(.value)' }")),
    windowCase("{ type: tumbling, size: \"2s\", aggregates: { m: 'median(.v)' } }",
               issue("pipelines.p.stages[0].window.aggregates.m", 5,
                     "unknown aggregate 'median' at column 1; use one of count, sum, avg, min, max, first, last, distinct_count, quantile, p50, p90, p95, p99")),
    windowCase("{ type: tumbling, size: \"2s\", aggregates: { q: 'quantile(.v, 2)' } }",
               issue("pipelines.p.stages[0].window.aggregates.q", 5,
                     "quantile takes a value and a number from 0 to 1, like 'quantile(.value, 0.99)' (column 1)")),
    windowCase("{ type: tumbling, size: \"2s\", aggregates: { count: 'sum(.v)' } }",
               issue("pipelines.p.stages[0].window.aggregates.count", 5,
                     "\"count\" is the number of events in every window result; only 'count()' may use that name")),
    windowCase("{ type: tumbling, size: \"2s\", aggregates: { final: 'count()' } }",
               issue("pipelines.p.stages[0].window.aggregates.final", 5, "\"final\" is a field of every window result; choose another name")),
    windowCase("{ type: tumbling, size: \"2s\", allowed_lateness: \"1s\", aggregates: { n: 'count()' } }",
               issue("pipelines.p.stages[0].window", 5, "max_out_of_orderness and allowed_lateness apply to event time: set time_field")),
    windowCase("{ type: tumbling, size: \"2s\", aggregates: { n: 'count()' }, group: [.a] }",
               issue("pipelines.p.stages[0].window.group", 5, "unknown key")),
    windowCase("{ type: tumbling, size: \"2s\", aggregates: { n: 'count()' }, group_bu: [.a] }",
               issue("pipelines.p.stages[0].window.group_bu", 5, "unknown key; did you mean 'group_by'?")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - window: { type: tumbling, size: "2s", aggregates: { n: 'count()' } }
                workers: 2
        """,
        issue("pipelines.p.stages[0].workers", 5, "a window stage keeps state in order and runs on one worker")),
    ConfigCase(
        """
        pipelines:
          p:
            stages:
              - filter: '.ok'
              - alert: { when: 'count > 5', hooks: [ops] }
        """,
        issue("pipelines.p.stages[1].alert.hooks[0]", 5, "unknown hook \"ops\" (no hooks are defined under hooks:)")),
    ConfigCase(
        """
        hooks:
          opz: { log: {} }
        pipelines:
          p:
            stages:
              - alert: { when: 'count > 5', hooks: [ops], for: 0 }
        """,
        issue("pipelines.p.stages[0].alert.for", 6, "expected a number of consecutive matching results (1 or more) or a duration like \"1m\""),
        issue("pipelines.p.stages[0].alert.hooks[0]", 6, "unknown hook \"ops\" (defined: opz); did you mean 'opz'?")),
    ConfigCase(
        "pipelines:\n  p:\n    stages:\n      - alert: { hooks: [] }\n",
        issue("pipelines.p.stages[0].alert", 4, "an alert needs a condition, like when: 'avg_value > 75 && count >= 5'")),
]

/// Expression syntax and compile errors: the message has the column and the expression.
private let expressionErrorCases: [(yaml: String, path: String, line: Int, source: String, column: Int)] = [
    ("pipelines:\n  p:\n    stages:\n      - filter: 'exists(.a'", "pipelines.p.stages[0].filter", 4, "exists(.a", 10),
    ("pipelines:\n  p:\n    stages:\n      - filter: 'exists(.source) && .value >= 0)'", "pipelines.p.stages[0].filter", 4, "exists(.source) && .value >= 0)", 31),
    ("pipelines:\n  p:\n    stages:\n      - name: x\n        set: { a: '1 +' }", "pipelines.p.stages[0].set.a", 5, "1 +", 4),
    ("pipelines:\n  p:\n    stages:\n      - set:\n          a: '1'\n          b: '(1 + 2'", "pipelines.p.stages[0].set.b", 6, "(1 + 2", 7),
    ("pipelines:\n  p:\n    stages:\n      - lookup: { key: '1 2', target: .t }", "pipelines.p.stages[0].lookup.key", 4, "1 2", 3),
    ("pipelines:\n  p:\n    stages:\n      - dedupe: { key: [.a, '.b[0'] }", "pipelines.p.stages[0].dedupe.key[1]", 4, ".b[0", 5),
    ("pipelines:\n  p:\n    stages:\n      - filter: \"'abc\"", "pipelines.p.stages[0].filter", 4, "'abc", 1),
]

/// Field paths that do not parse.
private let fieldPathErrorCases: [(yaml: String, path: String, line: Int, text: String)] = [
    ("pipelines:\n  p:\n    stages:\n      - remove: [\".a..b\"]", "pipelines.p.stages[0].remove[0]", 4, ".a..b"),
    ("pipelines:\n  p:\n    stages:\n      - remove: [.ok, \"true\"]", "pipelines.p.stages[0].remove[1]", 4, "true"),
    ("pipelines:\n  p:\n    stages:\n      - parse_timestamp: \"42\"", "pipelines.p.stages[0].parse_timestamp", 4, "42"),
    ("pipelines:\n  p:\n    stages:\n      - parse_timestamp: \". a\"", "pipelines.p.stages[0].parse_timestamp", 4, ". a"),
    ("pipelines:\n  p:\n    stages:\n      - set: { \"a b\": '1' }", "pipelines.p.stages[0].set.a b", 4, ".a b"),
    ("pipelines:\n  p:\n    stages:\n      - rename: { a: \".b c\" }", "pipelines.p.stages[0].rename.a", 4, ".b c"),
    ("pipelines:\n  p:\n    stages:\n      - rename: { \"a[x]\": b }", "pipelines.p.stages[0].rename.a[x]", 4, ".a[x]"),
    ("pipelines:\n  p:\n    stages:\n      - lookup: { key: .k, target: \"..x\" }", "pipelines.p.stages[0].lookup.target", 4, "..x"),
]

private let invalidPipelineNameList = ["Web", "-x", "_x", "a b", "a.b", "web/events", "ä", "", String(repeating: "a", count: 65)]
private let validPipelineNameList = ["a", "web-events", "x_1", "9lives", "a-", String(repeating: "a", count: 64)]

private let badListens = ["8080", ":8080", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:http", "127.0.0.1:-1", "[::1]", "", "localhost", "[]:80"]
private let goodListens: [(text: String, host: String, port: Int)] = [
    ("127.0.0.1:8080", "127.0.0.1", 8080), ("127.0.0.1:0", "127.0.0.1", 0), ("[::1]:9000", "::1", 9000),
    ("localhost:8081", "127.0.0.1", 8081), ("127.1.2.3:65535", "127.1.2.3", 65535),
]
private let nonLoopbackListens: [(text: String, host: String)] = [
    ("0.0.0.0:8080", "0.0.0.0"), ("[::]:8080", "::"), ("192.168.1.10:80", "192.168.1.10"), ("example.com:80", "example.com"),
]

private let durationTable: [(text: String, duration: Duration)] = [
    ("250ms", .milliseconds(250)), ("100ms", .milliseconds(100)), ("0.5ms", .microseconds(500)), ("0ms", .zero),
    ("2s", .seconds(2)), ("1.5s", .milliseconds(1500)), ("0s", .zero), ("30s", .seconds(30)),
    ("5m", .seconds(300)), ("90m", .seconds(5400)), ("0.5m", .seconds(30)),
    ("1h", .seconds(3600)), ("0.25h", .seconds(900)), ("24h", .seconds(86400)),
]
private let badDurationTexts = [
    "", "s", "ms", "m", "5", "250", "5 minutes", "-1s", "-0.5m", "5sec", "1d", "1w", " 5s", "5s ", "5 s", "5S", "5MS",
    "1.5.2s", "5m30s", "1h30m", "infs", "nans", "five s", "s5",
]

// MARK: - Tests

/// `ConfigLoader` (SPEC §3.1, §3.2.1): the example file, defaults, and every kind of error with
/// its exact field path and line, for YAML files and JSON definitions alike.
@Suite struct ConfigLoaderTests {
    static func issues(_ yaml: String) -> [ConfigIssue] {
        do {
            _ = try ConfigLoader.parse(yaml: yaml)
            return []
        } catch {
            return error.issues
        }
    }

    static func issues(json text: String) throws -> [ConfigIssue] {
        let node = ConfigNode(json: try JSONParser.parse(text))
        do {
            _ = try ConfigLoader.daemonConfig(from: node)
            return []
        } catch {
            return error.issues
        }
    }

    /// Validates a JSON pipeline definition as `PUT /v1/pipelines/{name}` does.
    static func definition(_ name: String, json text: String) throws -> (PipelineDefinition?, [ConfigIssue]) {
        var issues: [ConfigIssue] = []
        let definition = ConfigLoader.pipeline(named: name, from: ConfigNode(json: try JSONParser.parse(text)), path: "", issues: &issues)
        return (definition, issues)
    }

    static func pipeline(_ yaml: String) throws -> PipelineDefinition {
        let config = try ConfigLoader.parse(yaml: yaml)
        return try #require(config.pipelines.first)
    }

    /// A stage kind in a comparable spelling.
    static func summary(_ kind: any StageKind) -> String {
        switch kind {
        case let filter as FilterStageKind: "filter \(filter.condition.source)"
        case let set as SetStageKind: "set " + set.assignments.map { "\($0.0) = \($0.1.source)" }.joined(separator: "; ")
        case let remove as RemoveStageKind: "remove " + remove.paths.map(\.description).joined(separator: ", ")
        case let rename as RenameStageKind: "rename " + rename.moves.map { "\($0.from) -> \($0.to)" }.joined(separator: ", ")
        case let parse as ParseTimestampStageKind: "parse_timestamp \(parse.path)"
        case let lookup as LookupStageKind: "lookup \(lookup.key.source) -> \(lookup.target) (\(lookup.table.count) entries)"
        case let sample as SampleStageKind: "sample \(sample.rate)"
        case let dedupe as DedupeStageKind: "dedupe \(dedupe.keys.map(\.source).joined(separator: ", ")) within \(dedupe.window) max \(dedupe.maxKeys)"
        case let window as WindowStageKind: "window \(window.definition.spec.shape) by \(window.definition.groupBy.map(\.description).joined(separator: ", "))"
        case let alert as AlertStageKind: "alert \(alert.definition.condition.source) -> \(alert.definition.hooks.joined(separator: ", "))"
        default: "\(type(of: kind).name)"
        }
    }

    /// Configured outputs in a comparable spelling.
    static func outputs(_ outputs: [any OutputKind]) -> [String] { outputs.map { "\($0)" } }

    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    // MARK: - The example file

    @Test func exampleFileLoads() throws {
        let config = try ConfigLoader.load(file: Self.repositoryRoot.appendingPathComponent("config/streamd.yaml").path)
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.server.maxBodyBytes == 8_388_608)
        #expect(config.server.maxConnections == 1024)
        #expect(config.stateDirectory == ".state")
        #expect(config.shutdownTimeout == .seconds(10))
        #expect(config.log == LogConfig(level: "info", format: .logfmt))
        #expect(config.pipelines.map(\.name) == ["metrics", "web-events", "http-errors"])
        #expect(config.hooks.map(\.name) == ["note"])

        let metrics = config.pipelines[0]
        #expect(metrics.stages.map { Self.summary($0.kind) } == [
            "filter exists(.source) && exists(.timestamp) && .value >= 0",
            "window sliding(size: 2.0 seconds, slide: 0.5 seconds) by .source",
            "alert avg_value > 75 && count >= 5 -> note",
        ])

        let web = config.pipelines[1]
        #expect(web.autostart)
        #expect(web.buffer == 1024)
        #expect(web.ingestMaxWait == .milliseconds(100))
        #expect(web.stages.map(\.name) == ["parse", "validate", "enrich", "transform"])
        #expect(web.stages.map(\.workers) == [2, 1, 3, 2])
        #expect(web.stages.map(\.buffer) == [256, 256, 256, 256])
        #expect(web.stages.allSatisfy { !$0.ordered })
        #expect(web.stages.map { Self.summary($0.kind) } == [
            "parse_timestamp .timestamp",
            "filter exists(.user_id) && exists(.event_type) && len(.user_id) > 0",
            "lookup .user_id -> .data.user_segment (3 entries)",
            "set .data.processing_pipeline = \"v1.0\"; .processed_at = now()",
        ])
        guard let lookup = web.stages[2].kind as? LookupStageKind else {
            Issue.record("enrich is not a lookup")
            return
        }
        #expect(lookup.table == ["user1": "premium", "user2": "standard", "user3": "new"])
        #expect(lookup.fallback == "unknown")
        #expect(Self.outputs(web.outputs) == ["MemoryOutputKind(capacity: 1000)"])
        #expect(web.source.objectValue?["buffer"] == 1024, "the definition is kept as given")

        let errors = config.pipelines[2]
        #expect(errors.buffer == 4096)
        #expect(errors.ingestMaxWait == .milliseconds(100))
        #expect(errors.stages.map(\.name) == ["errors-only", "label", "once-a-minute"])
        #expect(errors.stages.map { Self.summary($0.kind) } == [
            "filter .status >= 500",
            "set .status_class = to_string(round(.status / 100 - 0.5)) + \"xx\"; .service = .service ?? \"unknown\"",
            "dedupe .path, .status within 60.0 seconds max 10000",
        ])
        #expect(Self.outputs(errors.outputs) == ["MemoryOutputKind(capacity: 500)", "FileOutputKind(path: \".state/http-errors.ndjson\")"])
    }

    @Test func missingFileIsReportedWithItsName() {
        let path = "/nonexistent/streamd-\(UInt64.random(in: 0...UInt64.max)).yaml"
        let error = #expect(throws: ConfigError.self) {
            _ = try ConfigLoader.load(file: path)
        }
        #expect(error?.file == path)
        #expect(error?.issues.count == 1)
        #expect(error?.issues.first?.path == "")
        #expect(error?.issues.first?.message.hasPrefix("cannot read the file") == true)
    }

    @Test func errorsFromAFileNameTheFileLineAndPath() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("streamd-config-\(UInt64.random(in: 0...UInt64.max)).yaml")
        try "server:\n  listen: \"127.0.0.1:8080\"\npipelines:\n  p:\n    bufer: 1\n".write(to: url, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            _ = try ConfigLoader.load(file: url.path)
            Issue.record("expected an error")
        } catch {
            #expect(error.file == url.path)
            #expect(error.issues == [issue("pipelines.p.bufer", 5, "unknown key; did you mean 'buffer'?")])
            #expect(error.description == "\(url.path): line 5, pipelines.p.bufer: unknown key; did you mean 'buffer'?")
        }
    }

    @Test func issueDescriptions() {
        #expect(issue("a.b", 3, "bad").description == "line 3, a.b: bad")
        #expect(issue("a.b", nil, "bad").description == "a.b: bad")
        #expect(issue("", 1, "bad").description == "line 1: bad")
        #expect(issue("", nil, "bad").description == "bad")
        let error = ConfigError([issue("x", 1, "one"), issue("y", nil, "two")], file: "f.yaml")
        #expect(error.description == "f.yaml: line 1, x: one\nf.yaml: y: two")
    }

    // MARK: - Defaults

    @Test func defaults() throws {
        let config = try ConfigLoader.parse(yaml: """
            pipelines:
              p:
                stages:
                  - filter: '.ok'
                  - set: { a: '1' }
            """)
        #expect(config.server == ServerConfig())
        #expect(config.server.host == "127.0.0.1")
        #expect(config.server.port == 8080)
        #expect(config.server.maxBodyBytes == 8 * 1024 * 1024)
        #expect(config.server.maxConnections == 1024)
        #expect(config.stateDirectory == "/var/lib/streamd")
        #expect(config.shutdownTimeout == .seconds(30))
        #expect(config.log == LogConfig(level: "info", format: .logfmt))
        let pipeline = try #require(config.pipelines.first)
        #expect(pipeline.name == "p")
        #expect(pipeline.autostart == true)
        #expect(pipeline.buffer == 1024)
        #expect(pipeline.ingestMaxWait == .milliseconds(100))
        #expect(pipeline.stages.map(\.name) == ["filter-1", "set-2"], "unnamed stages are named after kind and position")
        #expect(pipeline.stages.map(\.workers) == [1, 1])
        #expect(pipeline.stages.map(\.buffer) == [256, 256])
        #expect(pipeline.stages.map(\.ordered) == [false, false])
        #expect(Self.outputs(pipeline.outputs) == ["MemoryOutputKind(capacity: 1000)"], "a memory output when none is given")
    }

    @Test func emptyFileAndEmptyPipeline() throws {
        #expect(try ConfigLoader.parse(yaml: "").pipelines.isEmpty)
        #expect(try ConfigLoader.parse(yaml: "# only a comment\n").server == ServerConfig())
        let pipeline = try Self.pipeline("pipelines:\n  p: {}")
        #expect(pipeline.stages.isEmpty)
        #expect(Self.outputs(pipeline.outputs) == ["MemoryOutputKind(capacity: 1000)"])
        #expect(Self.outputs(try Self.pipeline("pipelines:\n  p:\n    outputs: []").outputs) == ["MemoryOutputKind(capacity: 1000)"])
    }

    @Test func everySettingIsRead() throws {
        let config = try ConfigLoader.parse(yaml: """
            server:
              listen: "127.0.0.1:9999"
              max_body_bytes: 1024
              max_connections: 10
              connection_timeout: "1500ms"
              threads: 4
            state_dir: /tmp/state
            shutdown_timeout: "2m"
            log: { level: debug, format: json }
            pipelines:
              p:
                autostart: false
                buffer: 10
                ingest: { max_wait: "2s" }
                stages:
                  - name: s
                    workers: 4
                    buffer: 8
                    ordered: true
                    sample: 0.5
                  - remove: [.a, .b.c]
                  - rename: { a: b, .c.d: .e }
                  - parse_timestamp: .ts
                  - dedupe: { key: .k }
                outputs:
                  - stdout: {}
                  - file: { path: /tmp/out.ndjson }
                  - memory: {}
              second: {}
            """)
        var server = ServerConfig(host: "127.0.0.1")
        (server.port, server.maxBodyBytes, server.maxConnections, server.connectionTimeoutSeconds, server.threads) = (9999, 1024, 10, 2, 4)
        #expect(config.server == server)
        #expect(config.stateDirectory == "/tmp/state")
        #expect(config.shutdownTimeout == .seconds(120))
        #expect(config.log == LogConfig(level: "debug", format: .json))
        #expect(config.pipelines.map(\.name) == ["p", "second"], "file order")
        let pipeline = config.pipelines[0]
        #expect(pipeline.autostart == false)
        #expect(pipeline.buffer == 10)
        #expect(pipeline.ingestMaxWait == .seconds(2))
        let stage = pipeline.stages[0]
        #expect((stage.name, stage.workers, stage.buffer, stage.ordered) == ("s", 4, 8, true))
        #expect(pipeline.stages.map { Self.summary($0.kind) } == [
            "sample 0.5", "remove .a, .b.c", "rename .a -> .b, .c.d -> .e", "parse_timestamp .ts",
            "dedupe .k within 60.0 seconds max 100000",
        ])
        #expect(Self.outputs(pipeline.outputs) == ["StdoutOutputKind()", "FileOutputKind(path: \"/tmp/out.ndjson\")", "MemoryOutputKind(capacity: 1000)"])
    }

    // MARK: - Errors: path and line

    @Test(arguments: unknownKeyCases)
    func unknownKeys(_ testCase: ConfigCase) {
        #expect(Self.issues(testCase.yaml) == testCase.issues)
    }

    @Test func unknownKeyWithAMappingValueNamesTheKeysLine() {
        let issues = Self.issues("""
            server:
              listen: "127.0.0.1:8080"
            serer:
              listen: "127.0.0.1:8080"
            """)
        #expect(issues.map(\.path) == ["serer"])
        #expect(issues.map(\.message) == ["unknown key; did you mean 'server'?"])
        #expect(issues.map(\.line) == [3])
    }

    @Test(arguments: wrongTypeCases)
    func wrongTypes(_ testCase: ConfigCase) {
        #expect(Self.issues(testCase.yaml) == testCase.issues)
    }

    @Test func outputWithZeroOrTwoKinds() {
        let none = Self.issues("pipelines:\n  p:\n    outputs:\n      - {}")
        let two = Self.issues("pipelines:\n  p:\n    outputs:\n      - { memory: {}, stdout: {} }")
        #expect(none == [issue("pipelines.p.outputs[0]", 4, "an output has exactly one of memory, file, stdout, http")])
        #expect(two == [issue("pipelines.p.outputs[0]", 4, "an output has exactly one of memory, file, stdout, http")])
    }

    @Test(arguments: outOfRangeCases)
    func outOfRangeIntegers(_ testCase: ConfigCase) {
        #expect(Self.issues(testCase.yaml) == testCase.issues)
    }

    @Test(arguments: badDurationCases)
    func badDurations(_ testCase: ConfigCase) {
        #expect(Self.issues(testCase.yaml) == testCase.issues)
    }

    @Test(arguments: authCases)
    func authMistakes(_ testCase: ConfigCase) {
        #expect(Self.issues(testCase.yaml) == testCase.issues)
    }

    @Test func authTokensFromFileAndEnvironment() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("token-\(UUID().uuidString)")
        try "  file-token-0123456789\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        // PATH stands in for a token variable (long enough, always set).
        let config = try ConfigLoader.parse(yaml: """
            server:
              listen: "0.0.0.0:8080"
              auth:
                tokens:
                  - { token_file: "\(file.path)", scopes: [ingest] }
                  - { token_env: PATH, scopes: [admin, metrics] }
                public_metrics: true
            """)
        let auth = try #require(config.server.auth)
        #expect(auth.publicMetrics)
        #expect(auth.tokens.map(\.scopes) == [[.ingest], [.admin, .metrics]])
        #expect(auth.tokens[0].digest == TokenDigest.of("file-token-0123456789".utf8), "trimmed, stored as its digest")
        #expect(auth.tokens.map(\.source) == ["token_file \(file.path)", "token_env PATH"])
        let short = FileManager.default.temporaryDirectory.appendingPathComponent("short-\(UUID().uuidString)")
        try "tiny-secret".write(to: short, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: short) }
        let issues = Self.issues("server:\n  auth: { tokens: [{ token_file: \"\(short.path)\", scopes: [admin] }] }")
        #expect(issues == [issue("server.auth.tokens[0]", 2, "the token from token_file \(short.path) is shorter than 16 characters")])
        #expect(!issues.description.contains("tiny-secret"))
    }

    @Test(arguments: windowAlertCases)
    func windowAndAlertMistakes(_ testCase: ConfigCase) {
        #expect(Self.issues(testCase.yaml) == testCase.issues)
    }

    @Test func windowAndAlertDefinitions() throws {
        let definition = try Self.pipeline("""
            hooks:
              ops: { log: {} }
            pipelines:
              m:
                stages:
                  - name: w
                    window:
                      type: sliding
                      size: "2s"
                      slide: "500ms"
                      time_field: .ts
                      max_out_of_orderness: "1s"
                      allowed_lateness: "250ms"
                      idle_timeout: "5s"
                      group_by: [.source, .data.host]
                      max_keys: 10
                      aggregates: { count: 'count()', s: 'sum(.v)', a: 'avg(.v * 2)', lo: 'min(.v)', hi: 'max(.v)',
                                    f: 'first(.v)', l: 'last(.v)', d: 'distinct_count(.user)', q: 'quantile(.v, 0.9)', p: 'p99(.v)' }
                  - name: c
                    window: { type: sliding, size: 100, slide: 10, aggregates: { n: 'count()' } }
                  - name: a
                    alert: { when: 'avg_value > 75', for: "1m", cooldown: "30s", repeat_interval: "10m", hooks: [ops] }
            """)
        guard let window = (definition.stages[0].kind as? WindowStageKind)?.definition,
            let counted = (definition.stages[1].kind as? WindowStageKind)?.definition,
            let alert = (definition.stages[2].kind as? AlertStageKind)?.definition
        else {
            Issue.record("wrong stage kinds")
            return
        }
        #expect(window.spec == WindowSpec(.sliding(size: .seconds(2), slide: .milliseconds(500)),
                                          time: .event(maxOutOfOrderness: .seconds(1), allowedLateness: .milliseconds(250)),
                                          maxKeys: 10, idleTimeout: .seconds(5)))
        #expect(window.timeField?.description == ".ts")
        #expect(window.groupBy.map(\.keyName) == ["source", "data.host"])
        #expect(window.aggregates.map(\.name) == ["count", "s", "a", "lo", "hi", "f", "l", "d", "q", "p"])
        #expect(window.aggregates.map(\.function) == [.count, .sum, .avg, .min, .max, .first, .last, .distinctCount, .quantile(0.9), .quantile(0.99)])
        #expect(window.aggregates[2].argument?.source == "(.v * 2)")
        #expect(counted.spec.shape == .slidingCount(size: 100, slide: 10) && counted.spec.time == .processing)
        #expect(alert.hold == .duration(.seconds(60)) && alert.cooldown == .seconds(30) && alert.repeatInterval == .seconds(600))
        #expect(alert.hooks == ["ops"] && alert.condition.source == "avg_value > 75")
    }

    @Test(arguments: badListens)
    func badListenStrings(text: String) {
        #expect(Self.issues("server:\n  listen: \"\(text)\"") == [issue("server.listen", 2, listenMessage(text))])
    }

    @Test(arguments: goodListens)
    func listenStrings(text: String, host: String, port: Int) throws {
        let server = try ConfigLoader.parse(yaml: "server:\n  listen: \"\(text)\"").server
        #expect(server.host == host)
        #expect(server.port == port)
        #expect(server.isLoopback)
    }

    @Test(arguments: nonLoopbackListens)
    func nonLoopbackListenIsRefused(text: String, host: String) {
        let issues = Self.issues("server:\n  max_connections: 10\n  listen: \"\(text)\"")
        #expect(issues.map(\.path) == ["server.listen"])
        #expect(issues.map(\.message) == [nonLoopbackMessage(host)])
        #expect(issues.map(\.line) == [3])
    }

    @Test func duplicateKeys() {
        #expect(Self.issues("""
            server:
              listen: "127.0.0.1:8080"
              max_connections: 10
              listen: "127.0.0.1:9090"
            """) == [issue("server.listen", 4, "duplicate key")])
        #expect(Self.issues("""
            pipelines:
              a: {}
              b: {}
              a: {}
            """) == [issue("pipelines.a", 4, "duplicate key")])
        #expect(Self.issues("""
            pipelines:
              p:
                stages:
                  - name: x
                    filter: '.a'
                    filter: '.b'
            """) == [issue("pipelines.p.stages[0].filter", 6, "duplicate key")])
        #expect(Self.issues("state_dir: a\nstate_dir: b\nstate_dir: c") == [
            issue("state_dir", 2, "duplicate key"), issue("state_dir", 3, "duplicate key"),
        ])
    }

    @Test func duplicateStageNames() {
        let issues = Self.issues("""
            pipelines:
              p:
                stages:
                  - name: a
                    filter: '.x'
                  - name: a
                    set: { y: '1' }
                  - filter: '.z'
                  - name: filter-3
                    filter: '.w'
            """)
        #expect(issues.map(\.path) == ["pipelines.p.stages[1].name", "pipelines.p.stages[3].name"])
        #expect(issues.map(\.message) == ["duplicate stage name \"a\"", "duplicate stage name \"filter-3\""])
        #expect(issues.map(\.line) == [6, 9])
    }

    @Test func duplicateStageNameAfterAnInvalidStageNamesTheRightIndex() {
        let issues = Self.issues("""
            pipelines:
              p:
                stages:
                  - name: broken
                    filter: '(('
                  - name: a
                    filter: '.x'
                  - name: a
                    filter: '.y'
            """)
        #expect(issues.count == 2)
        #expect(issues.first?.path == "pipelines.p.stages[0].filter")
        #expect(issues.last?.path == "pipelines.p.stages[2].name")
    }

    @Test func stageWithoutAKind() {
        let issues = Self.issues("""
            pipelines:
              p:
                stages:
                  - name: a
                    workers: 2
            """)
        let expected = issue("pipelines.p.stages[0]", 4, "a stage needs exactly one of \(stageKindList)")
        #expect(issues.first == expected)
        #expect(issues == [expected])
    }

    @Test func stageWithTwoKinds() {
        let issues = Self.issues("""
            pipelines:
              p:
                stages:
                  - name: a
                    filter: '.x'
                    sample: 0.5
            """)
        let expected = issue("pipelines.p.stages[0]", 4, "a stage has exactly one kind, found filter and sample")
        #expect(issues.first == expected)
        #expect(issues == [expected])
    }

    @Test func stageWithTwoKindsOneOfThemWindow() {
        let issues = Self.issues("pipelines:\n  p:\n    stages:\n      - { filter: '.x', window: {} }")
        #expect(issues.first == issue("pipelines.p.stages[0]", 4, "a stage has exactly one kind, found filter and window"))
    }

    @Test(arguments: expressionErrorCases)
    func expressionErrors(yaml: String, path: String, line: Int, source: String, column: Int) throws {
        let issues = Self.issues(yaml)
        let expectedError = try #require(Self.expressionError(source))
        #expect(issues == [issue(path, line, "\(expectedError) in '\(source)'")])
        #expect(issues.first?.message.contains("at column \(column) ") == true, "\(issues)")
    }

    static func expressionError(_ source: String) -> ExpressionError? {
        do {
            _ = try StreamdCore.Expression(source)
            return nil
        } catch {
            return error
        }
    }

    @Test func unknownFunctionIsACompileErrorWithItsColumn() {
        let issues = Self.issues("pipelines:\n  p:\n    stages:\n      - filter: '.a && nosuch(.b)'")
        #expect(issues.map(\.path) == ["pipelines.p.stages[0].filter"])
        #expect(issues.map(\.line) == [4])
        let message = issues.first?.message ?? ""
        #expect(message.contains("nosuch"))
        #expect(message.contains("at column 7"))
        #expect(message.hasSuffix(" in '.a && nosuch(.b)'"))
    }

    @Test(arguments: fieldPathErrorCases)
    func badFieldPaths(yaml: String, path: String, line: Int, text: String) throws {
        let issues = Self.issues(yaml)
        #expect(issues.map(\.path) == [path])
        #expect(issues.map(\.line) == [line])
        let message = issues.first?.message ?? ""
        #expect(message.hasSuffix(" in field path '\(text)'"), "\(message)")
        #expect(message.contains("at column "), "\(message)")
        var expected: String?
        do { _ = try FieldPath(text) } catch { expected = "\(error) in field path '\(text)'" }
        #expect(message == expected)
    }

    @Test func fieldPathsWithAndWithoutTheLeadingDot() throws {
        let pipeline = try Self.pipeline("""
            pipelines:
              p:
                stages:
                  - set: { host: '1', .data.page: '2', "a.b": '3' }
                  - rename: { a: .b, .c: d }
                  - lookup: { key: .k, target: seg }
            """)
        #expect(pipeline.stages.map { Self.summary($0.kind) } == [
            "set .host = 1; .data.page = 2; .a.b = 3",
            "rename .a -> .b, .c -> .d",
            "lookup .k -> .seg (0 entries)",
        ])
    }

    @Test(arguments: invalidPipelineNameList)
    func invalidPipelineNames(name: String) {
        let escaped = name.replacingOccurrences(of: "\"", with: "\\\"")
        #expect(Self.issues("pipelines:\n  \"\(escaped)\": {}") == [issue("pipelines.\(name)", 2, pipelineNameMessage(name))])
    }

    @Test(arguments: validPipelineNameList)
    func validPipelineNames(name: String) throws {
        #expect(try Self.pipeline("pipelines:\n  \"\(name)\": {}").name == name)
        #expect(ConfigLoader.isValidName(name))
    }

    @Test func invalidStageNames() {
        for name in ["Bad", "-x", "a b", "a.b"] {
            #expect(Self.issues("pipelines:\n  p:\n    stages:\n      - name: \"\(name)\"\n        filter: '.ok'") == [
                issue("pipelines.p.stages[0].name", 4, "a stage name uses lowercase letters, digits, '-' and '_', got \"\(name)\""),
            ], "\(name)")
        }
    }

    @Test func invalidPipelineIsLeftOutButOthersAreStillChecked() {
        let issues = Self.issues("""
            pipelines:
              Bad: { buffer: 0 }
              good: {}
              also-bad:
                stages: 5
            """)
        #expect(issues == [
            issue("pipelines.Bad", 2, pipelineNameMessage("Bad")),
            issue("pipelines.Bad.buffer", 2, "expected a whole number from 1 to 10000000, got 0"),
            issue("pipelines.also-bad.stages", 5, "expected a list, got number"),
        ])
    }

    // MARK: - Several errors at once

    @Test func everyErrorIsReportedAtOnce() {
        let issues = Self.issues("""
            server:
              listen: "nonsense"
              threads: 0
            shutdown_timeout: "5 minutes"
            hooks: {}
            pipelines:
              Bad: { stages: [{ filter: '((' }] }
              good:
                buffer: 0
                stages:
                  - name: x
                    sample: 2
                  - window: {}
                outputs:
                  - http: {}
                extra: 1
            statedir: x
            """)
        let expected = [
            issue("server.listen", 2, listenMessage("nonsense")),
            issue("server.threads", 3, "expected a whole number from 1 to 64, got 0"),
            issue("shutdown_timeout", 4, durationMessage("5 minutes")),
            issue("pipelines.Bad", 7, pipelineNameMessage("Bad")),
            issue("pipelines.Bad.stages[0].filter", 7, "\(Self.expressionError("((")!) in '(('"),
            issue("pipelines.good.buffer", 9, "expected a whole number from 1 to 10000000, got 0"),
            issue("pipelines.good.stages[0].sample", 12, "expected the fraction of events to keep, above 0 and at most 1"),
            issue("pipelines.good.stages[1].window", 13, "a window needs aggregates, like { count: 'count()', avg_value: 'avg(.value)' }"),
            issue("pipelines.good.stages[1].window.type", 13, "a window needs a type: tumbling, sliding or session"),
            issue("pipelines.good.outputs[0].http", 15, "an http output needs a url: an http:// or https:// URL"),
            issue("pipelines.good.extra", 16, "unknown key"),
            issue("statedir", 17, "unknown key; did you mean 'state_dir'?"),
        ]
        #expect(issues.count == expected.count)
        for item in expected { #expect(issues.contains(item), "missing: \(item)") }
        for item in issues where !expected.contains(item) { Issue.record("unexpected: \(item)") }
    }

    // MARK: - JSON input

    static let jsonDocuments = [
        #"{"server": {"listn": "127.0.0.1:8080", "max_connections": 0}, "hooks": {}, "shutdown_timeout": "-1s"}"#,
        #"{"pipelines": {"p": {"bufer": 1, "autostart": "yes", "stages": [{"filter": "(("}, {"name": "Bad", "sample": 2}, {"window": {}}], "outputs": [{"http": {}}, {"memory": {"capacity": 0}}]}}}"#,
        #"{"pipelines": {"Bad Name": {"stages": [{"remove": [".a..b"]}, {"lookup": {"target": ".t"}}, {"dedupe": {"key": [".a", 1]}}]}}}"#,
        #"{"pipelines": {"p": {"stages": [{"name": "a", "filter": ".x"}, {"name": "a", "set": {"b": "1"}}]}}, "server": {"listen": "0.0.0.0:80"}}"#,
    ]

    @Test(arguments: jsonDocuments)
    func jsonGivesTheSameIssuesWithoutLines(text: String) throws {
        // JSON is flow-style YAML: the same text through both front ends.
        let fromYAML = Self.issues(text)
        let fromJSON = try Self.issues(json: text)
        #expect(!fromJSON.isEmpty)
        #expect(fromJSON.allSatisfy { $0.line == nil })
        #expect(fromJSON == fromYAML.map { issue($0.path, nil, $0.message) })
    }

    @Test func jsonAndYAMLGiveTheSameConfiguration() throws {
        let json = #"{"server": {"listen": "127.0.0.1:9000"}, "pipelines": {"p": {"buffer": 64, "stages": [{"name": "f", "filter": ".a > 1", "workers": 2}, {"set": {"b": ".a * 2"}}], "outputs": [{"stdout": {}}]}}}"#
        let yaml = """
            server:
              listen: "127.0.0.1:9000"
            pipelines:
              p:
                buffer: 64
                stages:
                  - name: f
                    filter: .a > 1
                    workers: 2
                  - set:
                      b: .a * 2
                outputs:
                  - stdout: {}
            """
        let fromJSON = try ConfigLoader.daemonConfig(from: ConfigNode(json: try JSONParser.parse(json)))
        let fromYAML = try ConfigLoader.parse(yaml: yaml)
        #expect(fromJSON.server == fromYAML.server)
        #expect(fromJSON.pipelines.map(\.name) == fromYAML.pipelines.map(\.name))
        #expect(fromJSON.pipelines[0].source == fromYAML.pipelines[0].source)
        #expect(fromJSON.pipelines[0].stages.map { Self.summary($0.kind) } == fromYAML.pipelines[0].stages.map { Self.summary($0.kind) })
        #expect(fromJSON.pipelines[0].stages.map(\.workers) == [2, 1])
        #expect(Self.outputs(fromJSON.pipelines[0].outputs) == ["StdoutOutputKind()"])
    }

    @Test func jsonPipelineDefinitionAsPUTValidatesIt() throws {
        let text = #"{"autostart": false, "stages": [{"name": "keep", "filter": ".ok"}], "outputs": [{"memory": {"capacity": 5}}]}"#
        let (definition, issues) = try Self.definition("api-made", json: text)
        #expect(issues.isEmpty)
        let pipeline = try #require(definition)
        #expect(pipeline.name == "api-made")
        #expect(pipeline.autostart == false)
        #expect(Self.outputs(pipeline.outputs) == ["MemoryOutputKind(capacity: 5)"])
        let parsed = try JSONParser.parse(text)
        #expect(pipeline.source == parsed, "echoed as given")
    }

    @Test func jsonPipelineDefinitionIssuesArePathsInsideTheDefinition() throws {
        let (definition, issues) = try Self.definition(
            "Bad", json: #"{"bufer": 1, "stages": [{"filter": "(("}, {"sample": 0}], "outputs": [{"file": {}}]}"#)
        #expect(definition == nil)
        #expect(issues.map(\.path) == ["", "stages[0].filter", "stages[1].sample", "outputs[0].file", "bufer"])
        #expect(issues.allSatisfy { $0.line == nil })
        #expect(issues.first?.message == pipelineNameMessage("Bad"))
        #expect(issues.last?.message == "unknown key; did you mean 'buffer'?")
    }

    @Test func jsonPipelineDefinitionDuplicateStageNamePath() throws {
        let (definition, issues) = try Self.definition(
            "p", json: #"{"stages": [{"name": "a", "filter": ".x"}, {"name": "a", "filter": ".y"}]}"#)
        #expect(definition == nil)
        #expect(issues.map(\.message) == ["duplicate stage name \"a\""])
        #expect(issues.map(\.path) == ["stages[1].name"])
    }

    @Test func jsonIsNotMistakenForOtherTypes() throws {
        // JSON strings stay strings, numbers stay numbers, whatever their text.
        let (_, issues) = try Self.definition("p", json: #"{"buffer": "1024", "autostart": "true"}"#)
        #expect(issues == [
            issue("autostart", nil, "expected true or false, got string"),
            issue("buffer", nil, "expected a number, got string"),
        ])
    }

    // MARK: - YAML scalars

    static func member(_ node: ConfigNode, _ key: String) -> ConfigNode? {
        guard case .object(let members) = node.value else { return nil }
        return members.first { $0.key == key }?.value
    }

    static func describe(_ node: ConfigNode?) -> String {
        guard let node else { return "missing" }
        switch node.value {
        case .null: return "null"
        case .bool(let bool): return "bool \(bool)"
        case .number(let number): return "number \(number)"
        case .string(let string): return "string \(string)"
        case .array(let items): return "list of \(items.count)"
        case .object(let members): return "mapping of \(members.count)"
        }
    }

    @Test func quotedScalarsStayStrings() throws {
        let root = try ConfigNode.parseYAML("""
            a: "123"
            b: 123
            c: 'true'
            d: true
            e: "null"
            f: ~
            g: 1.5
            h: "1.5"
            i: |
              text
            j: plain text
            k:
            l: '0x10'
            m: -7
            n: ""
            """)
        let expected: [(String, String)] = [
            ("a", "string 123"), ("b", "number 123.0"), ("c", "string true"), ("d", "bool true"), ("e", "string null"),
            ("f", "null"), ("g", "number 1.5"), ("h", "string 1.5"), ("i", "string text\n"), ("j", "string plain text"),
            ("k", "null"), ("l", "string 0x10"), ("m", "number -7.0"), ("n", "string "),
        ]
        for (key, description) in expected {
            #expect(Self.describe(Self.member(root, key)) == description, "\(key)")
        }
        #expect(Self.member(root, "a")?.line == 1)
        #expect(Self.member(root, "n")?.line == 15)
    }

    @Test func quotedScalarsInConfiguration() throws {
        #expect(try ConfigLoader.parse(yaml: "state_dir: \"123\"").stateDirectory == "123")
        #expect(Self.issues("state_dir: 123") == [issue("state_dir", 1, "expected a string, got number")])
        #expect(Self.issues("pipelines:\n  p:\n    buffer: \"1024\"") == [issue("pipelines.p.buffer", 3, "expected a number, got string")])
        #expect(try Self.pipeline("pipelines:\n  p:\n    stages:\n      - name: \"123\"\n        filter: '.ok'").stages[0].name == "123")

        let pipeline = try Self.pipeline("""
            pipelines:
              p:
                stages:
                  - lookup: { key: .k, target: .a, table: { "1": one, 2: two, x: "3", y: 3, z: "true" }, default: "42" }
                  - lookup: { key: .k, target: .b, table: {}, default: 42 }
            """)
        guard let lookup = pipeline.stages[0].kind as? LookupStageKind, let numeric = pipeline.stages[1].kind as? LookupStageKind
        else {
            Issue.record("not lookups")
            return
        }
        #expect(lookup.table == ["1": "one", "2": "two", "x": "3", "y": 3, "z": "true"])
        #expect(lookup.fallback == "42")
        #expect(numeric.fallback == 42)
    }

    @Test func plainScalarsFollowTheCoreSchema() throws {
        // ConfigNode.parseYAML promises YAML's core schema: only true/false are booleans, and
        // a leading zero does not make a number octal.
        let pipeline = try Self.pipeline("""
            pipelines:
              p:
                stages:
                  - lookup: { key: .country, target: .answer, table: { norway: no, sweden: yes, light: on, dark: off } }
            """)
        guard let lookup = pipeline.stages[0].kind as? LookupStageKind else {
            Issue.record("not a lookup")
            return
        }
        #expect(lookup.table == ["norway": "no", "sweden": "yes", "light": "on", "dark": "off"])
        let buffer = try? Self.pipeline("pipelines:\n  p:\n    buffer: 010").buffer
        #expect(buffer == 10)
    }

    @Test func invalidYAMLHasALine() {
        let issues = Self.issues("server:\n  listen: [1, 2\nstate_dir: x\n")
        #expect(issues.count == 1)
        #expect(issues.first?.path == "")
        #expect(issues.first?.line != nil)
        #expect(issues.first?.message.hasPrefix("invalid YAML") == true)
    }

    // MARK: - Durations

    @Test(arguments: durationTable)
    func durationParsing(text: String, duration: Duration) {
        #expect(Duration(configText: text) == duration)
    }

    @Test(arguments: badDurationTexts)
    func durationRejects(text: String) {
        #expect(Duration(configText: text) == nil)
    }

    @Test func durationSeconds() {
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Duration.zero.seconds == 0)
        #expect(Duration.seconds(300).seconds == 300)
        #expect(abs(Duration.microseconds(250).seconds - 0.00025) < 1e-12)
    }
}
