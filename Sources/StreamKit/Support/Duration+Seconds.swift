extension Duration {
    /// Seconds as a `Double`, for rates, cooldowns and figures shown to people (window
    /// arithmetic uses whole microseconds instead: ``wholeMicroseconds``).
    @usableFromInline var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
