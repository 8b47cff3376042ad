/**
 * A JPMS application using pageio: compiled and run on the module path against the released jars by
 * {@code JpmsConsumerIT}. The pageio jars are automatic modules named by their manifests' Automatic-Module-Name.
 */
module dev.pageio.example
{
    requires dev.pageio.core;
    requires dev.pageio.direct;
}
