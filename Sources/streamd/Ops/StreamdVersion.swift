/// The daemon's version, printed by `streamd --version` and reported in metrics.
enum StreamdVersion {
    static let current = "0.1.0"
}
