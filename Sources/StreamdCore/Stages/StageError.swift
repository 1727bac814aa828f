/// A stage's own failure with a readable message.
package struct StageError: Error, CustomStringConvertible {
    package let description: String
    package init(_ description: String) { self.description = description }
}
