package dev.precache.simulator.ec2;

import dev.precache.simulator.AwsException;
import dev.precache.simulator.protocol.QueryRequest;
import dev.precache.simulator.protocol.XmlWriter;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * EC2's DescribeInstanceTypes over {@link InstanceTypes}, in the query API's shape (botocore's ec2 model:
 * {@code instanceTypeSet/item} with {@code vCpuInfo}, {@code networkInfo/networkCards/item},
 * {@code processorInfo/supportedArchitectures}, {@code gpuInfo/gpus/item}; only the fields the table holds).
 * {@code InstanceType.N}, the filters below with EC2's {@code *} and {@code ?} wildcards, and
 * {@code MaxResults} (5–100) / {@code NextToken} pagination.
 */
final class DescribeInstanceTypes {
    private static final int MAX_RESULTS = 100;
    private static final int MIN_RESULTS = 5;
    private static final Map<String, Function<InstanceTypes.InstanceType, String>> FILTERS = Map.of(
            "instance-type", InstanceTypes.InstanceType::name,
            "processor-info.supported-architecture", InstanceTypes.InstanceType::architecture,
            "vcpu-info.default-vcpus", type -> String.valueOf(type.vcpus()));

    private DescribeInstanceTypes() {}

    static void write(QueryRequest request, XmlWriter xml) {
        List<String> named = request.list("InstanceType");
        List<String> unknown = named.stream().filter(name -> !InstanceTypes.exists(name)).toList();
        if (!unknown.isEmpty()) {
            throw new AwsException("InvalidInstanceType",
                    "The following supplied instance types do not exist: [" + String.join(", ", unknown) + "]");
        }
        Predicate<InstanceTypes.InstanceType> filter = filter(request.ec2Filters());
        List<InstanceTypes.InstanceType> matching = InstanceTypes.all().stream()
                .filter(type -> named.isEmpty() || named.contains(type.name()))
                .filter(filter)
                .toList();
        int pageSize = request.get("MaxResults").map(DescribeInstanceTypes::maxResults).orElse(MAX_RESULTS);
        int from = request.get("NextToken").map(token -> start(token, matching)).orElse(0);
        int to = Math.min(matching.size(), from + pageSize);
        xml.start("instanceTypeSet");
        for (InstanceTypes.InstanceType type : matching.subList(from, to)) {
            writeType(xml.start("item"), type).end();
        }
        xml.end();
        if (to < matching.size()) {
            xml.element("nextToken", matching.get(to).name());
        }
    }

    private static XmlWriter writeType(XmlWriter xml, InstanceTypes.InstanceType type) {
        xml.element("instanceType", type.name()).element("currentGeneration", true)
                .start("processorInfo").start("supportedArchitectures").element("item", type.architecture()).end().end()
                .start("vCpuInfo").element("defaultVCpus", type.vcpus()).end()
                .start("networkInfo").element("networkPerformance", type.networkPerformance())
                .element("maximumNetworkCards", type.networkCards()).element("defaultNetworkCardIndex", 0)
                .start("networkCards");
        for (int card = 0; card < type.networkCards(); card++) {
            xml.start("item").element("networkCardIndex", card)
                    .element("networkPerformance", type.cardNetworkPerformance())
                    .element("baselineBandwidthInGbps", type.baselineGbps())
                    .element("peakBandwidthInGbps", type.peakGbps()).end();
        }
        xml.end().element("enaSupport", "required").end();
        if (type.hasGpu()) {
            InstanceTypes.Gpu gpu = type.gpu();
            xml.start("gpuInfo").start("gpus").start("item").element("name", gpu.name())
                    .element("manufacturer", gpu.manufacturer()).element("count", gpu.count())
                    .start("memoryInfo").element("sizeInMiB", gpu.memoryMiB()).end().end().end()
                    .element("totalGpuMemoryInMiB", gpu.count() * gpu.memoryMiB()).end();
        }
        return xml;
    }

    private static Predicate<InstanceTypes.InstanceType> filter(Map<String, List<String>> requested) {
        Predicate<InstanceTypes.InstanceType> all = type -> true;
        for (Map.Entry<String, List<String>> filter : requested.entrySet()) {
            Function<InstanceTypes.InstanceType, String> attribute = FILTERS.get(filter.getKey());
            if (attribute == null) {
                throw new AwsException("InvalidParameterValue", "The filter '" + filter.getKey() + "' is invalid");
            }
            List<Pattern> patterns = filter.getValue().stream().map(DescribeInstanceTypes::wildcard).toList();
            all = all.and(type -> patterns.stream().anyMatch(p -> p.matcher(attribute.apply(type)).matches()));
        }
        return all;
    }

    /** EC2 filter values: {@code *} any run of characters, {@code ?} one, a backslash escapes either. */
    static Pattern wildcard(String value) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' && i + 1 < value.length()) {
                regex.append(Pattern.quote(String.valueOf(value.charAt(++i))));
            } else if (c == '*') {
                regex.append(".*");
            } else if (c == '?') {
                regex.append('.');
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(regex.toString(), Pattern.DOTALL);
    }

    private static int maxResults(String value) {
        int max;
        try {
            max = Integer.parseInt(value);
        } catch (NumberFormatException e) {
            max = -1;
        }
        if (max < MIN_RESULTS || max > MAX_RESULTS) {
            throw new AwsException("InvalidParameterValue",
                    "Value ( " + value + " ) for parameter maxResults is invalid. Expecting a value between 5 and 100.");
        }
        return max;
    }

    private static int start(String token, List<InstanceTypes.InstanceType> matching) {
        for (int i = 0; i < matching.size(); i++) {
            if (matching.get(i).name().equals(token)) {
                return i;
            }
        }
        throw new AwsException("InvalidParameterValue", "The token '" + token + "' is invalid");
    }
}
