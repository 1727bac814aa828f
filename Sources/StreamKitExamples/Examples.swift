import StreamKit
