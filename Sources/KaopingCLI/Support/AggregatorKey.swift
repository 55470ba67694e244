import KaopingWire

/// Reads `--aggregator-key` (``CampaignFiles/aggregatorKey(_:option:)``) with the command's error.
enum AggregatorKey {
    static func parse(_ argument: String) throws(CLIError) -> Keyring.Entry {
        try InputFile.files { () throws(CampaignFileError) in
            try CampaignFiles.aggregatorKey(argument, option: "--aggregator-key")
        }
    }
}
