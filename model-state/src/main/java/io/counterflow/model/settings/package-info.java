/**
 * Every setting of the model, its objective and its optimisers, declared once in flink-ml's Param style
 * (name, description, default, validator) in {@link io.counterflow.model.settings.Settings}. The CLI, the
 * streaming job and the snapshot manifest all read and write settings through these declarations.
 */
package io.counterflow.model.settings;
