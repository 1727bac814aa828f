import Foundation

/// Writes to the standard streams without the C globals, which Swift 6 treats as unsafe.
enum StandardStreams {
    static func error(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
