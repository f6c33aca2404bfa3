package dev.precache.simulator.ec2;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Bottlerocket AMIs AWS publishes as public SSM parameters
 * ({@code /aws/service/bottlerocket/aws-k8s-1.NN[-nvidia]/<arch>/latest/image_id}), each with a
 * deterministic image ID so an instance's AMI maps back to its Kubernetes version.
 */
public final class BottlerocketImages {
    public record Image(String imageId, String parameterName, int kubernetesMinor, boolean nvidia,
                        String architecture) {
        public String name() {
            return "bottlerocket-aws-k8s-1." + kubernetesMinor + (nvidia ? "-nvidia" : "") + "-" + architecture;
        }
    }

    private static final int OLDEST_MINOR = 28;
    /** Bottlerocket added the aws-k8s-1.35 variants in v1.53.0 (bottlerocket#4737) and 1.36 after (core-kit v14.3.0). */
    private static final int NEWEST_MINOR = 36;

    private final Map<String, Image> byParameter = new LinkedHashMap<>();
    private final Map<String, Image> byImageId = new LinkedHashMap<>();

    public BottlerocketImages(String region) {
        for (int minor = OLDEST_MINOR; minor <= NEWEST_MINOR; minor++) {
            for (boolean nvidia : new boolean[] {false, true}) {
                for (String arch : new String[] {"x86_64", "arm64"}) {
                    String parameter = "/aws/service/bottlerocket/aws-k8s-1." + minor + (nvidia ? "-nvidia" : "")
                            + "/" + arch + "/latest/image_id";
                    Image image = new Image(imageId(region, parameter), parameter, minor, nvidia, arch);
                    byParameter.put(parameter, image);
                    byImageId.put(image.imageId(), image);
                }
            }
        }
    }

    public Optional<Image> byParameter(String name) {
        return Optional.ofNullable(byParameter.get(name));
    }

    public Optional<Image> byImageId(String imageId) {
        return Optional.ofNullable(byImageId.get(imageId));
    }

    public Iterable<Image> all() {
        return byParameter.values();
    }

    private static String imageId(String region, String parameter) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((region + parameter).getBytes(StandardCharsets.UTF_8));
            return "ami-" + HexFormat.of().formatHex(digest).substring(0, 17);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
