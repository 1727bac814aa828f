import StreamKit

/// A JSON-like value: the seed's raw events and `data` fields are Python dicts of mixed values.
public indirect enum FieldValue: Sendable, Hashable, CustomStringConvertible,
    ExpressibleByStringLiteral, ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByDictionaryLiteral
{
    case text(String)
    case number(Double)
    case object([String: FieldValue])

    public init(stringLiteral value: String) { self = .text(value) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(dictionaryLiteral elements: (String, FieldValue)...) {
        self = .object(Dictionary(uniqueKeysWithValues: elements))
    }

    public var description: String {
        switch self {
        case .text(let text): "'\(text)'"
        case .number(let number): number == number.rounded() && abs(number) < 1e15 ? "\(Int(number))" : "\(number)"
        case .object(let fields): dictText(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value.description) })
        }
    }
}

/// A parsed event (the seed's `WebEvent` dataclass).
public struct WebEvent: Sendable, Equatable {
    public let timestamp: Double
    public let userID: String
    public let eventType: String
    public let data: [String: FieldValue]
}

/// The pipeline's output (the seed's `ProcessedEvent` dataclass).
public struct ProcessedEvent: Sendable, Equatable {
    public let userID: String
    public let eventType: String
    /// Seconds since the run started on the injected clock (the seed's `time.time()`), so the
    /// value is reproducible in tests.
    public let processedAt: Double
    public let enrichedData: [String: FieldValue]
}

/// Outcome of ``SeedExamples/dataProcessingPipeline(clock:log:)``.
public struct DataProcessingResult: Sendable, Equatable {
    /// In arrival order, which parallel workers make unpredictable.
    public let events: [ProcessedEvent]
    public let byType: [String: Int]
    /// `user_segment` of each user's processed events.
    public let segments: [String: String]
}

extension SeedExamples {
    /// The simulated data source of "Data Processing Pipeline".
    public static let rawEvents: [[String: FieldValue]] = [
        ["timestamp": 1634567890, "user_id": "user1", "event_type": "click", "data": ["page": "home"]],
        ["timestamp": 1634567891, "user_id": "user2", "event_type": "purchase", "data": ["amount": 29.99]],
        ["timestamp": 1634567892, "user_id": "user1", "event_type": "view", "data": ["page": "products"]],
        ["timestamp": 1634567893, "user_id": "user3", "event_type": "click", "data": ["page": "about"]],
        ["timestamp": 1634567894, "user_id": "user2", "event_type": "purchase", "data": ["amount": 15.99]],
    ]

    /// "Data Processing Pipeline": parse (2 workers) → validate (1) → enrich (3) → transform (2).
    public static func dataProcessingPipeline(
        clock: some Clock<Duration>,
        log: @escaping ExampleLog
    ) async throws -> DataProcessingResult {
        let start = clock.now
        let inputChannel = Channel<[String: FieldValue]>(capacity: 10)
        let outputChannel = Channel<ProcessedEvent>(capacity: 10)

        /// Parse raw JSON into structured event.
        let parseStage = Stage<[String: FieldValue], WebEvent>("parse", workers: 2) { raw in
            try await clock.sleep(for: .milliseconds(10))  // Simulate parsing time
            guard case .number(let timestamp) = raw["timestamp"], case .text(let userID) = raw["user_id"],
                case .text(let eventType) = raw["event_type"], case .object(let data) = raw["data"]
            else { throw ExampleError("Malformed event: \(FieldValue.object(raw))") }
            return WebEvent(timestamp: timestamp, userID: userID, eventType: eventType, data: data)
        }
        /// Validate event data.
        let validateStage = Stage<WebEvent, WebEvent>("validate", workers: 1) { event in
            if event.userID.isEmpty || event.eventType.isEmpty {
                throw ExampleError("Invalid event: missing user_id or event_type")
            }
            return event
        }
        /// Enrich event with additional data (a simulated user-segment lookup).
        let enrichStage = Stage<WebEvent, WebEvent>("enrich", workers: 3) { event in
            try await clock.sleep(for: .milliseconds(20))  // Simulate database lookup
            let userSegments = ["user1": "premium", "user2": "standard", "user3": "new"]
            var enriched = event.data
            enriched["user_segment"] = .text(userSegments[event.userID] ?? "unknown")
            enriched["processing_pipeline"] = "v1.0"
            return WebEvent(timestamp: event.timestamp, userID: event.userID, eventType: event.eventType, data: enriched)
        }
        /// Transform to final output format.
        let transformStage = Stage<WebEvent, ProcessedEvent>("transform", workers: 2) { event in
            let elapsed = start.duration(to: clock.now).components
            let processedAt = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            return ProcessedEvent(userID: event.userID, eventType: event.eventType, processedAt: processedAt, enrichedData: event.data)
        }

        let pipeline = Pipeline.from(inputChannel)
            .via(parseStage)
            .via(validateStage)  // Single validator
            .via(enrichStage)  // Parallel enrichment
            .via(transformStage)
            .to(outputChannel)

        @Sendable func producer() async throws {
            log("📡 Starting event ingestion...")
            for event in rawEvents {
                try await inputChannel.send(event)
                log("📤 Ingested: \(event["event_type"]?.text ?? "?") from \(event["user_id"]?.text ?? "?")")
                try await clock.sleep(for: .milliseconds(100))
            }
            inputChannel.close()
            log("📡 Ingestion completed")
        }

        @Sendable func consumer() async -> DataProcessingResult {
            var processedEvents: [ProcessedEvent] = []
            for await event in outputChannel {
                processedEvents.append(event)
                log("🔄 Processed: \(event.eventType) for \(event.userID) (segment: \(event.segment ?? "unknown"))")
            }
            // Group by event type, keeping first-seen order for the printout like a Python dict.
            var byType: [String: Int] = [:]
            var typeOrder: [String] = []
            for event in processedEvents {
                if byType[event.eventType] == nil { typeOrder.append(event.eventType) }
                byType[event.eventType, default: 0] += 1
            }
            log("\n📊 Pipeline Summary:")
            log("  Total events processed: \(processedEvents.count)")
            log("  Events by type: \(dictText(typeOrder.map { ($0, "\(byType[$0]!)") }))")
            var segments: [String: String] = [:]
            for event in processedEvents { segments[event.userID] = event.segment }
            return DataProcessingResult(events: processedEvents, byType: byType, segments: segments)
        }

        async let produced: Void = producer()
        async let ran: Void = pipeline.run()
        async let consumed = consumer()
        let (_, _, result) = try await (produced, ran, consumed)
        return result
    }
}

extension FieldValue {
    /// The string, if this is text.
    public var text: String? {
        if case .text(let text) = self { text } else { nil }
    }
}

extension ProcessedEvent {
    /// The `user_segment` the enrich stage added.
    public var segment: String? { enrichedData["user_segment"]?.text }
}
