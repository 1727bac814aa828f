extension ComponentRegistry {
    /// streamd's own kinds, in the order messages and `streamd components` list them.
    public static let builtIn: ComponentRegistry = {
        var registry = ComponentRegistry()
        registry.register(FilterStageKind.self)
        registry.register(SetStageKind.self)
        registry.register(RemoveStageKind.self)
        registry.register(RenameStageKind.self)
        registry.register(ParseTimestampStageKind.self)
        registry.register(LookupStageKind.self)
        registry.register(SampleStageKind.self)
        registry.register(DedupeStageKind.self)
        registry.register(WindowStageKind.self)
        registry.register(AlertStageKind.self)
        registry.register(MemoryOutputKind.self)
        registry.register(FileOutputKind.self)
        registry.register(StdoutOutputKind.self)
        registry.register(HTTPOutputKind.self)
        registry.register(WebhookHookKind.self)
        registry.register(ExecHookKind.self)
        registry.register(LogHookKind.self)
        return registry
    }()
}
