/// The daemon's version, printed by `streamd --version` and reported in metrics.
package enum StreamdVersion {
    package static let current = "0.1.0"
}
