import OrderedCollections
import StreamKit

/// The keys a `dedupe` stage has seen, each with the time it expires, bounded in number.
///
/// Oldest keys are evicted first when the bound is reached, so memory stays fixed whatever the
/// input; `evictions` counts how often the bound bit (an evicted key may pass again).
package final class RecentKeys: Sendable {
    private struct State {
        var expiries: OrderedDictionary<[JSONValue], Double> = [:]
        var evictions = 0
    }

    private let state = Locked(State())
    private let window: Double
    private let maxKeys: Int

    package init(window: Double, maxKeys: Int) {
        self.window = window
        self.maxKeys = maxKeys
    }

    /// Records `key` at `now`; `true` if it was not seen within the window (the event passes).
    package func insert(_ key: [JSONValue], at now: Double) -> Bool {
        state.withLock { state in
            // Entries are in insertion order, so expired ones are at the front.
            while let first = state.expiries.elements.first, first.value <= now {
                state.expiries.removeFirst()
            }
            if let expiry = state.expiries[key] {
                if expiry > now { return false }
                // Expired but not yet swept (clock readings can arrive out of order): replace it.
                state.expiries.removeValue(forKey: key)
            }
            if state.expiries.count >= maxKeys {
                state.expiries.removeFirst()
                state.evictions += 1
            }
            state.expiries[key] = now + window
            return true
        }
    }

    package var evictions: Int { state.withLock { $0.evictions } }
}
