import Foundation

extension Data {
    /// The bytes without a leading UTF-8 byte order mark, which Excel and WPS write before a file saved as UTF-8.
    public func droppingByteOrderMark() -> Data {
        starts(with: [0xEF, 0xBB, 0xBF]) ? dropFirst(3) : self
    }
}
