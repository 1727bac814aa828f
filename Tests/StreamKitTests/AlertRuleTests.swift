import StreamKit
import Testing

/// Feeds `(time, matches)` pairs for one key; returns the transitions as `(time, state)`.
func driveRule(
    _ rule: inout AlertRule<String, Int>, key: String = "k", _ steps: [(Double, Bool)]
) -> [(at: Double, state: AlertState)] {
    steps.enumerated().compactMap { index, step in
        rule.evaluate(index, key: key, matches: step.1, at: step.0).map { transition in
            #expect(transition.key == key && transition.at == step.0 && transition.result == index)
            return (transition.at, transition.state)
        }
    }
}

func sameTransitions(_ a: [(at: Double, state: AlertState)], _ b: [(Double, AlertState)]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0.at == $1.0 && $0.state == $1.1 }
}

@Suite struct AlertRuleTests {
    @Test func firesAfterConsecutiveMatches() {
        var rule = AlertRule<String, Int>(name: "high", hold: .results(3))
        let transitions = driveRule(&rule, [
            (0, true), (1, true), (2, false),  // a run of 2 is not enough
            (3, true), (4, true),
            (5, true),  // third in a row: fires
            (6, true), (7, true),  // still firing: nothing re-sent
        ])
        #expect(sameTransitions(transitions, [(5, .firing)]))
        #expect(rule.state(of: "k") == .firing && rule.firings == 1)
        #expect(rule.firing.map(\.key) == ["k"] && rule.firing.first?.since == 5 && rule.firing.first?.result == 7)
    }

    @Test func firstMatchFiresByDefault() {
        var rule = AlertRule<String, Int>(name: "any")
        #expect(rule.state(of: "k") == .ok)
        #expect(sameTransitions(driveRule(&rule, [(0, false), (1, true)]), [(1, .firing)]))
    }

    @Test func durationHoldFiresOnceMatchesSpanIt() {
        var rule = AlertRule<String, Int>(name: "slow", hold: .duration(.seconds(10)))
        let transitions = driveRule(&rule, [
            (0, true), (5, true), (9.5, true),
            (12, false),  // the run breaks before spanning 10 s
            (20, true), (25, true), (29.999, true),
            (30, true),  // 10 s since the first match of the run
            (45, true),
        ])
        #expect(sameTransitions(transitions, [(30, .firing)]))
        #expect(rule.firings == 1)
    }

    @Test func resolvesWhenTheConditionClears() {
        var rule = AlertRule<String, Int>(name: "r", hold: .results(2))
        let transitions = driveRule(&rule, [(0, true), (1, true), (2, true), (3, false), (4, false), (5, true), (6, true)])
        #expect(sameTransitions(transitions, [(1, .firing), (3, .resolved), (6, .firing)]))
        #expect(rule.firings == 2 && rule.resolutions == 1)
        var quiet = AlertRule<String, Int>(name: "q")
        #expect(driveRule(&quiet, [(0, false), (1, false)]).isEmpty, "never firing: nothing to resolve")
        #expect(quiet.state(of: "k") == .ok && quiet.resolutions == 0)
    }

    @Test func noRefiringWithinCooldown() {
        var rule = AlertRule<String, Int>(name: "c", cooldown: .seconds(60))
        var transitions = driveRule(&rule, [(0, true), (5, false)])
        #expect(sameTransitions(transitions, [(0, .firing), (5, .resolved)]))
        transitions = driveRule(&rule, [(10, true), (30, true), (59.9, true)])
        #expect(transitions.isEmpty, "within 60 s of the last firing")
        #expect(rule.state(of: "k") == .resolved, "stays non-firing during the cooldown")
        #expect(driveRule(&rule, [(59.95, false)]).isEmpty, "not firing: no resolution either")
        #expect(sameTransitions(driveRule(&rule, [(60, true)]), [(60, .firing)]))
        #expect(rule.firings == 2 && rule.resolutions == 1)
    }

    /// A condition flapping every second pages once per cooldown, never more.
    @Test func flappingIsSuppressedByCooldown() {
        var rule = AlertRule<String, Int>(name: "flap", cooldown: .seconds(30))
        let steps = (0..<100).map { (Double($0), $0 % 2 == 0) }
        let transitions = driveRule(&rule, steps)
        #expect(transitions.filter { $0.state == .firing }.map(\.at) == [0, 30, 60, 90])
        #expect(transitions.filter { $0.state == .resolved }.map(\.at) == [1, 31, 61, 91])
        #expect(rule.firings == 4)
    }

    /// The hold keeps counting during the cooldown: the first match after it fires at once.
    @Test func holdAccumulatesDuringCooldown() {
        var rule = AlertRule<String, Int>(name: "h", hold: .results(3), cooldown: .seconds(10))
        let transitions = driveRule(&rule, [
            (0, true), (1, true), (2, true), (3, false),
            (4, true), (5, true), (6, true), (7, true), (9, true),  // held, but cooling down
            (12, true),
        ])
        #expect(sameTransitions(transitions, [(2, .firing), (3, .resolved), (12, .firing)]))
    }

    @Test func keysAreIndependent() {
        var rule = AlertRule<String, Int>(name: "keys", hold: .results(2), cooldown: .seconds(100))
        #expect(rule.evaluate(0, key: "a", matches: true, at: 0) == nil)
        #expect(rule.evaluate(1, key: "b", matches: true, at: 1) == nil)
        #expect(rule.evaluate(2, key: "a", matches: true, at: 2)?.state == .firing)
        #expect(rule.state(of: "a") == .firing && rule.state(of: "b") == .ok)
        // b's own run: a's non-match does not break it, a's firing does not cool it down.
        #expect(rule.evaluate(3, key: "a", matches: false, at: 3)?.state == .resolved)
        #expect(rule.evaluate(4, key: "b", matches: true, at: 4)?.state == .firing)
        #expect(rule.state(of: "a") == .resolved && rule.state(of: "b") == .firing)
        // a is still cooling down; c has never been seen.
        #expect(rule.evaluate(5, key: "a", matches: true, at: 5) == nil)
        #expect(rule.evaluate(6, key: "a", matches: true, at: 6) == nil)
        #expect(rule.state(of: "c") == .ok)
        #expect(rule.firing.map(\.key) == ["b"])
        #expect(rule.firings == 2 && rule.resolutions == 1)
    }

    @Test func repeatIntervalResendsWhileFiring() {
        var rule = AlertRule<String, Int>(name: "rep", repeatInterval: .seconds(10))
        let transitions = driveRule(&rule, [(0, true), (5, true), (10, true), (15, true), (19, true), (20, true), (21, false)])
        #expect(sameTransitions(transitions, [(0, .firing), (10, .firing), (20, .firing), (21, .resolved)]))
        #expect(rule.firings == 1, "repeats are not new firings")

        var once = AlertRule<String, Int>(name: "once")
        let steps = (0..<100).map { (Double($0), true) }
        #expect(sameTransitions(driveRule(&once, steps), [(0, .firing)]))
    }

    /// Beyond `maxKeys`, only quiet keys are forgotten: firing keys keep their state.
    @Test func maxKeysForgetsOnlyQuietKeys() {
        var rule = AlertRule<String, Int>(name: "m", hold: .results(2), maxKeys: 2)
        for (index, key) in ["a", "b", "c"].enumerated() {
            _ = rule.evaluate(index, key: key, matches: true, at: 0)
            _ = rule.evaluate(index, key: key, matches: true, at: 1)
        }
        #expect(["a", "b", "c"].allSatisfy { rule.state(of: $0) == .firing })
        #expect(rule.firing.count == 3)
    }
}
